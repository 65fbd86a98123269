// The public API of @wxmedia/sdk. Listed name by name (no `export *`): an export is a promise, made on purpose.
export { WeChatClient, DEFAULT_BASE_URL, type WeChatClientOptions } from './client.ts';
export {
  HttpsApi,
  type CallOptions,
  type UploadCallOptions,
  type UploadTempMediaRequest,
  type UploadTempMediaReply,
  type GetTempMediaRequest,
  type TempMedia,
  type TempMediaStream,
  type SavedTempMedia,
} from './https-api.ts';
export {
  type CloudOpenApi,
  type CustomerServiceMessageApi,
  type CloudUploadTempMediaRequest,
  type CloudGetTempMediaRequest,
} from './cloud-openapi.ts';
export type { MediaInput } from './media-source.ts';
export { WxMediaError, WeChatError, NetworkError, TimeoutError, UnexpectedResponseError, MediaInputError, isTokenRejected, type MediaInputProblem } from './errors.ts';
export { CredentialTokenProvider, type TokenProvider, type TokenGrant, type TokenFetcher, type CredentialTokenProviderOptions } from './token-provider.ts';
export { MemoryTokenCache, type TokenCache, type CachedToken } from './token-cache.ts';
export { RedisTokenCache, type RedisLike, type RedisTokenCacheOptions } from './redis-token-cache.ts';
export { RetryPolicy, type RetryOptions } from './retry-policy.ts';
export type { SdkLogger } from './request-sender.ts';
export type { Transport, TransportRequest, TransportResponse } from './transport.ts';
export { createUndiciTransport, type UndiciTransportOptions } from './undici-transport.ts';
export { OPERATIONS, type Operation, type OperationName } from './operations.ts';
export {
  WxMediaAdminClient,
  type AdminClientOptions,
  type AppKind,
  type AppSummary,
  type CreatedApp,
  type CallListQuery,
  type MediaListQuery,
} from './admin-client.ts';
export type {
  AppDetail,
  LaneState,
  QuotaState,
  CallRecord,
  ClockState,
  Fault,
  FaultSpec,
  FaultApi,
  MediaEntry,
  MediaKind,
  Overview,
  MinuteStats,
  ResetResult,
} from '@wxmedia/protocol';
export type { CloudUploadTempMediaResult, CloudGetTempMediaResult, AccessTokenReply, QuotaGetReply, ErrorEnvelope, MediaType } from '@wxmedia/protocol';

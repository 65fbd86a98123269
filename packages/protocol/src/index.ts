export { ERRCODES, ERRCODE_BY_NUMBER, type ErrcodeInfo, type ErrcodeName } from './errcodes.ts';
export { ADMIN_ERRORS, adminErrcode, adminErrorMessage, type AdminErrorInfo, type AdminErrorName } from './admin-errors.ts';
export {
  MEDIA_TTL_SECONDS,
  TOKEN_TTL_SECONDS,
  TOKEN_OVERLAP_SECONDS,
  FORCE_REFRESH_DAILY_LIMIT,
  FORCE_REFRESH_MIN_INTERVAL_SECONDS,
  CLEAR_QUOTA_MONTHLY_LIMIT,
  DEFAULT_DAILY_QUOTAS,
  QUOTA_PATHS,
  QUOTA_DAY_UTC_OFFSET_SECONDS,
  isQuotaPath,
  quotaDay,
  quotaMonth,
  type QuotaPath,
} from './limits.ts';
export {
  MEDIA_FORMATS,
  MEDIA_TYPE_RULES,
  MEDIA_TYPES,
  SNIFF_BYTES,
  isMediaType,
  formatByCode,
  formatForFilename,
  formatBySniffedMime,
  type MediaType,
  type MediaFormat,
  type MediaTypeRule,
} from './media-rules.ts';
export { APPID_MAX_LENGTH, APPID_PATTERN, APPID_RULE, APP_KINDS, APP_KIND_RULE, isAppKind, type AppKind } from './apps.ts';
export { PATHS, CLOUD_GATEWAY_PATH, HEALTH_PATH } from './paths.ts';
export { DEFAULT_HOST, DEFAULT_PORT, DEFAULT_BASE_URL, DEFAULT_DATA_DIR, ADMIN_KEY_FILE, DEV_APP_FILE } from './defaults.ts';
export { RID_PATTERN, ridTime, errmsgWithRid, ridOfErrmsg } from './rid.ts';
export { newRid } from './rid-mint.ts';
export { mac, sameBytes, sameSecret, appTag } from './signing.ts';
export { MEDIA_ID_PATTERN, mintMediaId, checkMediaId, readMediaId, mediaIdCreatedAt, type MediaIdFacts, type MediaIdCheck } from './media-id.ts';
export { mintAccessToken, readAccessToken, type TokenLane, type TokenFacts, type TokenCheck } from './access-token.ts';
export { redact, redactUrl, redactValues, isSensitiveParam, REDACTED } from './redact.ts';
export { parseJsonObject } from './json.ts';
export { readBounded } from './read-bounded.ts';
export {
  CLOUD_APIS,
  cloudOkMessage,
  cloudFailMessage,
  errorEnvelope,
  uploadReplyFields,
  type ErrorEnvelope,
  type AccessTokenReply,
  type StableTokenRequest,
  type UploadReply,
  type QuotaGetReply,
  type CloudUploadTempMediaResult,
  type CloudGetTempMediaResult,
  type CloudCallErrorShape,
} from './wire.ts';
export {
  ADMIN_PREFIX,
  ADMIN_PATHS,
  adminPath,
  DASHBOARD_PATH,
  OPENAPI_PATH,
  METRICS_PATH,
  FAULT_APIS,
  CLOUD_API_PATHS,
  type ClockState,
  type ClockCommand,
  type FaultApi,
  type FaultSpec,
  type Fault,
  type CallRecord,
  type MediaEntry,
  type MediaKind,
  type LaneState,
  type QuotaState,
  type AppDetail,
  type MinuteStats,
  type Overview,
  type ResetRequest,
  type ResetResult,
} from './admin-wire.ts';

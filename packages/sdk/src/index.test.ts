// Type-level test of the public API: checked by `tsc` (scripts/test.sh runs it before the tests), so an accidental
// change to a signature fails the build. The runtime part only makes node's runner count the file.
import { test } from 'node:test';
import type { Readable } from 'node:stream';
import {
  WeChatClient,
  WeChatError,
  NetworkError,
  TimeoutError,
  WxMediaError,
  RedisTokenCache,
  MemoryTokenCache,
  type TokenProvider,
  type TokenCache,
  type UploadTempMediaReply,
  type TempMedia,
  type TempMediaStream,
  type SavedTempMedia,
  type CloudUploadTempMediaResult,
  type CloudGetTempMediaResult,
  type AccessTokenReply,
  type QuotaGetReply,
  type MediaInput,
  type Transport,
} from '@wxmedia/sdk';

/** `Equal<A, B>` is true only for identical types (the usual conditional-type trick). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_ok?: T): void {}

declare const client: WeChatClient;
type Https = WeChatClient['https'];
type Csm = WeChatClient['openapi']['customerServiceMessage'];

// HTTPS face: wire shapes.
expectType<Equal<Awaited<ReturnType<Https['uploadTempMedia']>>, UploadTempMediaReply>>();
expectType<Equal<UploadTempMediaReply['created_at'], number>>();
expectType<Equal<UploadTempMediaReply['media_id'], string | undefined>>();
expectType<Equal<Awaited<ReturnType<Https['getTempMedia']>>, TempMedia>>();
expectType<Equal<TempMedia['buffer'], Buffer>>();
expectType<Equal<Awaited<ReturnType<Https['getTempMediaStream']>>, TempMediaStream>>();
expectType<Equal<TempMediaStream['stream'], Readable>>();
expectType<Equal<Awaited<ReturnType<Https['saveTempMedia']>>, SavedTempMedia>>();
expectType<Equal<Awaited<ReturnType<Https['getAccessToken']>>, AccessTokenReply>>();
expectType<Equal<Awaited<ReturnType<Https['getStableAccessToken']>>, AccessTokenReply>>();
expectType<Equal<Awaited<ReturnType<Https['getApiQuota']>>, QuotaGetReply>>();
expectType<Equal<Parameters<Https['getTempMedia']>[0], { readonly media_id: string }>>();

// Cloud-call face: wx-server-sdk's shapes.
expectType<Equal<Awaited<ReturnType<Csm['uploadTempMedia']>>, CloudUploadTempMediaResult>>();
expectType<Equal<Awaited<ReturnType<Csm['getTempMedia']>>, CloudGetTempMediaResult>>();
expectType<Equal<CloudUploadTempMediaResult['errCode'], 0>>();
expectType<Equal<CloudGetTempMediaResult['buffer'], Buffer>>();
expectType<Equal<Parameters<Csm['getTempMedia']>[0], { readonly mediaId: string }>>();

// Errors.
expectType<Equal<WeChatError['errcode'], number>>();
expectType<Equal<WeChatError['errmsg'], string>>();
expectType<Equal<WeChatError['rid'], string | undefined>>();
expectType<Equal<WeChatError['api'], string>>();
expectType<Equal<WeChatError['errCode'], number>>();
expectType<Equal<NetworkError['reachedServer'], boolean>>();
expectType<Equal<TimeoutError['phase'], 'connect' | 'headers' | 'body'>>();
const asBase: WxMediaError[] = [] as (WeChatError | NetworkError | TimeoutError)[];

// Inputs every upload accepts.
const inputs: MediaInput[] = [Buffer.alloc(1), new Uint8Array(1), new Blob([]), new File([], 'a.png'), '/tmp/a.png', new URL('file:///tmp/a.png')];

// Options.
const provider: TokenProvider = { getToken: async () => 'token' };
const caches: TokenCache[] = [new MemoryTokenCache(), new RedisTokenCache({ redis: { get: async () => null, set: async () => 'OK', eval: async () => 1 } })];
declare const transport: Transport;
const APP = { appid: 'wx', secret: 's' } as const;
// Never called: constructing clients is not the point, type-checking these literals is.
const typical = (): WeChatClient[] => [
  new WeChatClient({ ...APP, tokenGrant: 'token', transport, retry: { maxRetries: 0 } }),
  new WeChatClient({ tokenProvider: provider, baseUrl: 'http://127.0.0.1:8720', timeouts: { headersMs: 1000 } }),
];

async function misuse(): Promise<void> {
  // @ts-expect-error the HTTPS face takes media_id, not mediaId
  await client.https.getTempMedia({ mediaId: 'x' });
  // @ts-expect-error the cloud face takes mediaId, not media_id
  await client.openapi.customerServiceMessage.getTempMedia({ media_id: 'x' });
  // @ts-expect-error only the media types WeChat defines
  await client.https.uploadTempMedia({ type: 'document', media: Buffer.alloc(1) });
  // @ts-expect-error a number is no media
  await client.https.uploadTempMedia({ type: 'image', media: 42 });
  // @ts-expect-error the cloud face's media is {contentType, value}
  await client.openapi.customerServiceMessage.uploadTempMedia({ type: 'image', media: Buffer.alloc(1) });
  // @ts-expect-error grants are stable_token or token
  new WeChatClient({ ...APP, tokenGrant: 'client_credential' });
}

test('the public API type-checks as declared (see tsc)', () => {
  void [asBase, inputs, caches, typical, misuse];
});

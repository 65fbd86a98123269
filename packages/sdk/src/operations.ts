import { PATHS } from '@wxmedia/protocol';

/**
 * Every WeChat call this SDK makes, declared once as data (AWS SDK v3's habit): both faces and the token provider
 * are built from this table, and the retry policy reads `idempotent` from it rather than guessing per call site.
 */
export interface Operation {
  /** WeChat's documented name of the API; used in errors (`WeChatError.api`) and logs. */
  readonly name: OperationName;
  readonly path: string;
  readonly method: 'GET' | 'POST';
  /** Whether the call carries `access_token` in its query (and so may be refreshed and replayed on 40001). */
  readonly auth: boolean;
  /**
   * Whether sending the call twice has the effect of sending it once. Only these are retried after a failure
   * that may have reached the server (-1, a reset, a timeout).
   */
  readonly idempotent: boolean;
}

export type OperationName =
  | 'getAccessToken'
  | 'getStableAccessToken'
  | 'uploadTempMedia'
  | 'getTempMedia'
  | 'getApiQuota'
  | 'clearQuota';

export const OPERATIONS: { readonly [K in OperationName]: Operation & { readonly name: K } } = {
  // Each call replaces the app's token (and spends the 2 000/day quota): never repeated blindly.
  getAccessToken: { name: 'getAccessToken', path: PATHS.token, method: 'GET', auth: false, idempotent: false },
  // Normal mode returns the current token unchanged; a force_refresh call is sent as non-idempotent
  // (HttpsApi.getStableAccessToken).
  getStableAccessToken: { name: 'getStableAccessToken', path: PATHS.stableToken, method: 'POST', auth: false, idempotent: true },
  // A repeated upload stores a second copy and spends quota: only resent when it provably never arrived.
  uploadTempMedia: { name: 'uploadTempMedia', path: PATHS.upload, method: 'POST', auth: true, idempotent: false },
  getTempMedia: { name: 'getTempMedia', path: PATHS.get, method: 'GET', auth: true, idempotent: true },
  getApiQuota: { name: 'getApiQuota', path: PATHS.quotaGet, method: 'POST', auth: true, idempotent: true },
  // Limited to 10 a month: a duplicate would waste one.
  clearQuota: { name: 'clearQuota', path: PATHS.clearQuota, method: 'POST', auth: true, idempotent: false },
};

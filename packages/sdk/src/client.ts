import { createCloudOpenApi, type CloudOpenApi } from './cloud-openapi.ts';
import { HttpsApi } from './https-api.ts';
import { RequestSender, type SdkLogger } from './request-sender.ts';
import { RetryPolicy, type RetryOptions } from './retry-policy.ts';
import type { TokenCache } from './token-cache.ts';
import { CredentialTokenProvider, type TokenGrant, type TokenProvider } from './token-provider.ts';
import type { Transport } from './transport.ts';
import { createUndiciTransport } from './undici-transport.ts';

export const DEFAULT_BASE_URL = 'https://api.weixin.qq.com';

/**
 * Give `appid` + `secret` (the client mints, caches and refreshes tokens), or a `tokenProvider` of your own (the
 * client then never sees a secret). One flat interface rather than a union, so that object spreads and literals
 * such as `tokenGrant: 'token'` type-check without annotations.
 */
export interface WeChatClientOptions {
  readonly appid?: string;
  /** The app secret. Never appears in a message or log line (redacted). */
  readonly secret?: string;
  /** Your own token source; replaces appid/secret for authenticated calls (token endpoints still need both). */
  readonly tokenProvider?: TokenProvider;
  /** `stable_token` (default) or `token`: see TokenGrant. */
  readonly tokenGrant?: TokenGrant;
  /** Where tokens are kept: default in memory; a RedisTokenCache shares them (and the refresh) across a fleet. */
  readonly tokenCache?: TokenCache;
  /** Refresh this many seconds before expiry. Default 300. */
  readonly refreshBeforeSeconds?: number;
  /** Where the API lives. Default `https://api.weixin.qq.com`; a wxmedia server is e.g. `http://127.0.0.1:8720`. */
  readonly baseUrl?: string;
  /** Time limits of the default transport (ignored when `transport` is given). */
  readonly timeouts?: {
    /** Establishing the connection. Default 10 000 ms. */
    readonly connectMs?: number;
    /** Waiting for the response headers, body sent. Default 30 000 ms. */
    readonly headersMs?: number;
    /** Silence between chunks of the response body. Default 30 000 ms. */
    readonly bodyMs?: number;
  };
  /** Retries of transient failures (-1, network) on idempotent calls. Default 2 retries, jittered backoff. */
  readonly retry?: RetryOptions;
  /** The HTTP transport. Default: undici with the timeouts above. */
  readonly transport?: Transport;
  /** Receives redacted debug/warn lines (requests, retries, token refreshes). Default: silent. */
  readonly logger?: SdkLogger;
  /** Upper bound to which a one-shot upload stream is buffered (so it can be replayed). Default: the type's size limit. */
  readonly maxUploadBytes?: number;
}

/**
 * One client for WeChat's temporary-media API, on api.weixin.qq.com or a wxmedia server, with two faces over the
 * same operations: `https` (snake_case wire shapes) and `openapi` (wx-server-sdk's cloud-call shapes).
 */
export class WeChatClient {
  /** HTTPS style: one method per endpoint, WeChat's wire shapes. */
  readonly https: HttpsApi;
  /** Cloud-call style: `openapi.customerServiceMessage.uploadTempMedia/getTempMedia`, as in wx-server-sdk. */
  readonly openapi: CloudOpenApi;
  /** The provider every authenticated call asks for its access_token. */
  readonly tokenProvider: TokenProvider;
  readonly #transport: Transport;
  readonly #ownsTransport: boolean;

  constructor(options: WeChatClientOptions) {
    const baseUrl = validBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL);
    this.#ownsTransport = options.transport === undefined;
    this.#transport =
      options.transport ??
      createUndiciTransport({
        ...(options.timeouts?.connectMs !== undefined ? { connectTimeoutMs: options.timeouts.connectMs } : {}),
        ...(options.timeouts?.headersMs !== undefined ? { headersTimeoutMs: options.timeouts.headersMs } : {}),
        ...(options.timeouts?.bodyMs !== undefined ? { bodyTimeoutMs: options.timeouts.bodyMs } : {}),
      });
    const { appid, secret } = options;
    let provider: TokenProvider | undefined = options.tokenProvider;
    const sender = new RequestSender({
      baseUrl,
      transport: this.#transport,
      retry: new RetryPolicy(options.retry),
      tokens: { getToken: (o) => (provider as TokenProvider).getToken(o) },
      logger: options.logger,
      secrets: secret ? [secret] : [],
    });
    const credentials = (): { appid: string; secret: string } => {
      if (!appid || !secret) throw new TypeError('token endpoints need the client to be created with appid and secret');
      return { appid, secret };
    };
    this.https = new HttpsApi({ sender, credentials, maxUploadBytes: options.maxUploadBytes });
    this.openapi = createCloudOpenApi({ sender, maxUploadBytes: options.maxUploadBytes });
    if (!provider) {
      if (!appid || !secret) throw new TypeError('WeChatClient needs appid and secret, or a tokenProvider');
      provider = new CredentialTokenProvider({
        appid,
        grant: options.tokenGrant ?? 'stable_token',
        fetch: (grant) => (grant === 'token' ? this.https.getAccessToken() : this.https.getStableAccessToken()),
        ...(options.tokenCache ? { cache: options.tokenCache } : {}),
        // Tokens of one appid on two targets (WeChat and a local wxmedia) must not share a cache entry.
        cacheScope: new URL(baseUrl).host,
        ...(options.refreshBeforeSeconds !== undefined ? { refreshBeforeSeconds: options.refreshBeforeSeconds } : {}),
      });
    }
    this.tokenProvider = provider;
  }

  /** Closes the connections of the transport the client created itself. */
  async close(): Promise<void> {
    if (this.#ownsTransport) await this.#transport.close?.();
  }
}

function validBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError(`baseUrl must be an absolute http(s) URL, e.g. https://api.weixin.qq.com (got ${JSON.stringify(raw)})`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`baseUrl must use http or https (got ${url.protocol})`);
  return url.toString();
}

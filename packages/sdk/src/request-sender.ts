import type { Readable } from 'node:stream';
import { redact, redactValues } from '@wxmedia/protocol';
import { WeChatError } from './errors.ts';
import type { Operation } from './operations.ts';
import type { RetryPolicy } from './retry-policy.ts';
import type { ReadContext } from './reply-reader.ts';
import type { TokenProvider } from './token-provider.ts';
import type { Transport, TransportResponse } from './transport.ts';

/** Receives one line per attempt and per retry decision; every URL in it is already redacted. */
export interface SdkLogger {
  debug(message: string): void;
  warn(message: string): void;
}

export interface SendRequest<T> {
  readonly op: Operation;
  /** Query parameters other than access_token. */
  readonly query?: Readonly<Record<string, string>>;
  /** Builds this attempt's body; called again for a replay, so it must never hand out a consumed stream. */
  readonly body?: () => { readonly contentType: string; readonly contentLength?: number; readonly data: string | Uint8Array | Readable };
  /** Send on a connection of its own (see TransportRequest.closeConnection). */
  readonly closeConnection?: boolean;
  /** Per call: whether a repeat is harmless (defaults to `op.idempotent`). */
  readonly idempotent?: boolean;
  readonly signal?: AbortSignal | undefined;
  /** Turns the response into a result; runs inside the attempt, so its failures are retried like the request's. */
  readonly read: (res: TransportResponse, ctx: ReadContext) => Promise<T>;
}

export interface RequestSenderOptions {
  readonly baseUrl: string;
  readonly transport: Transport;
  readonly retry: RetryPolicy;
  readonly tokens: TokenProvider | undefined;
  readonly logger: SdkLogger | undefined;
  /** Literal values (the secret) to scrub from log lines on top of redact()'s patterns. */
  readonly secrets: readonly string[];
}

/**
 * The one place an operation becomes HTTP: the token goes in, token rejections get exactly one refresh and one
 * replay, transient failures get the retry policy, and the body is rebuilt for every attempt.
 */
export class RequestSender {
  readonly #o: RequestSenderOptions;

  constructor(options: RequestSenderOptions) {
    this.#o = options;
  }

  async send<T>(req: SendRequest<T>): Promise<T> {
    const { op } = req;
    const idempotent = req.idempotent ?? op.idempotent;
    let token = op.auth ? await this.#tokens().getToken() : undefined;
    let refreshed = false;
    for (let retry = 0; ; ) {
      const url = this.#url(op, req.query, token);
      const secrets = token === undefined ? this.#o.secrets : [...this.#o.secrets, token];
      const ctx: ReadContext = { api: op.name, method: op.method, url, request: `${op.method} ${redact(url)}`, secrets };
      try {
        const body = req.body?.();
        const headers: Record<string, string> = {};
        if (body) {
          headers['content-type'] = body.contentType;
          if (body.contentLength !== undefined) headers['content-length'] = String(body.contentLength);
        }
        this.#log('debug', `${ctx.request}${refreshed ? ' (replay after token refresh)' : retry ? ` (retry ${retry})` : ''}`);
        const res = await this.#o.transport.request(
          {
            method: op.method,
            url,
            headers,
            ...(body ? { body: body.data } : {}),
            ...(req.signal ? { signal: req.signal } : {}),
            ...(req.closeConnection ? { closeConnection: true } : {}),
          },
          { api: op.name },
        );
        return await req.read(res, ctx);
      } catch (e) {
        if (e instanceof WeChatError && e.isTokenRejected && token !== undefined && !refreshed) {
          // The token was replaced or expired behind our back. WeChat refused the request before doing anything,
          // so replaying it (even an upload) is safe; once only, so a provider that keeps handing out a dead
          // token cannot loop.
          refreshed = true;
          this.#log('warn', `${op.name}: errcode ${e.errcode}, refreshing the access_token once and replaying`);
          token = await this.#tokens().getToken({ rejected: token });
          continue;
        }
        if (!this.#o.retry.shouldRetry({ error: e, idempotent, retry })) throw e;
        const delay = this.#o.retry.delayMs(retry);
        this.#log('warn', `${op.name}: ${e instanceof Error ? e.message : String(e)}; retry ${retry + 1} in ${delay} ms`, token);
        retry++;
        await sleep(delay, req.signal);
      }
    }
  }

  /**
   * A plain GET of an address a reply pointed to (an official account's video_url): same transport, no token.
   * Called from inside an operation's `read`, so a failure is retried with the operation.
   */
  async fetchUrl(url: string, api: string, signal: AbortSignal | undefined): Promise<TransportResponse> {
    return this.#o.transport.request({ method: 'GET', url, headers: {}, ...(signal ? { signal } : {}) }, { api });
  }

  #tokens(): TokenProvider {
    if (!this.#o.tokens) throw new TypeError('this call needs an access_token: give the client appid and secret, or a tokenProvider');
    return this.#o.tokens;
  }

  #url(op: Operation, query: Readonly<Record<string, string>> | undefined, token: string | undefined): string {
    // Appended, not resolved: a baseUrl behind a reverse proxy may carry a path prefix.
    const url = new URL(this.#o.baseUrl.replace(/\/+$/, '') + op.path);
    // access_token first, as WeChat's own examples write it.
    if (token !== undefined) url.searchParams.set('access_token', token);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
    return url.toString();
  }

  #log(level: 'debug' | 'warn', message: string, token?: string): void {
    this.#o.logger?.[level](redactValues(message, [...this.#o.secrets, token]));
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

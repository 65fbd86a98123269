import { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import { redact } from '@wxmedia/protocol';
import { NetworkError, TimeoutError } from './errors.ts';
import type { Transport, TransportRequest, TransportResponse } from './transport.ts';

export interface UndiciTransportOptions {
  /** Time to establish the TCP/TLS connection (ms). Default 10 000. */
  readonly connectTimeoutMs?: number;
  /** Time from sending the request to receiving the response headers (ms). Default 30 000. */
  readonly headersTimeoutMs?: number;
  /** Longest silence between two chunks of the response body (ms). Default 30 000. */
  readonly bodyTimeoutMs?: number;
  /** Bring your own undici dispatcher (a ProxyAgent, a MockAgent); the timeouts above then apply per request only. */
  readonly dispatcher?: Dispatcher;
}

/**
 * Errors that prove the request never left this machine. Anything else (a reset, "other side closed") may have
 * happened after the server read the request, so a non-idempotent call must not be repeated after it.
 */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

export function createUndiciTransport(options: UndiciTransportOptions = {}): Transport {
  const headersTimeout = options.headersTimeoutMs ?? 30_000;
  const bodyTimeout = options.bodyTimeoutMs ?? 30_000;
  const owned = options.dispatcher === undefined;
  const dispatcher =
    options.dispatcher ?? new Agent({ connect: { timeout: options.connectTimeoutMs ?? 10_000 }, headersTimeout, bodyTimeout });

  return {
    async request(req: TransportRequest, context: { readonly api: string }): Promise<TransportResponse> {
      try {
        const res = await request(req.url, {
          method: req.method,
          headers: { ...req.headers },
          body: req.body ?? null,
          dispatcher,
          headersTimeout,
          bodyTimeout,
          ...(req.signal ? { signal: req.signal } : {}),
          ...(req.closeConnection ? { reset: true } : {}),
        });
        return { status: res.statusCode, headers: flattenHeaders(res.headers), body: sdkErrorsFrom(res.body, req, context.api) };
      } catch (e) {
        throw toTransportError(e, req, context.api);
      }
    },
    async close(): Promise<void> {
      if (owned) await dispatcher.close();
    },
  };
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/**
 * The body as the Transport contract promises it: a failure while reading (a reset, the body timeout) surfaces as
 * NetworkError / TimeoutError, so readers need not know undici. Destroying the returned stream destroys undici's,
 * which gives the connection back.
 */
function sdkErrorsFrom(body: Readable, req: TransportRequest, api: string): Readable {
  return Readable.from(
    (async function* () {
      try {
        for await (const chunk of body) yield chunk as Buffer;
      } catch (e) {
        throw toTransportError(e, req, api);
      }
    })(),
    { objectMode: false },
  );
}

/** Maps undici's and node's errors onto ours, for the request and for its body. */
function toTransportError(e: unknown, req: { readonly method: string; readonly url: string }, api: string): Error {
  if (e instanceof NetworkError || e instanceof TimeoutError) return e;
  const code = errorCode(e);
  const where = `${req.method} ${redact(req.url)}`;
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new TimeoutError({ api, request: where, phase: 'connect', cause: e });
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return new TimeoutError({ api, request: where, phase: 'headers', cause: e });
  if (code === 'UND_ERR_BODY_TIMEOUT') return new TimeoutError({ api, request: where, phase: 'body', cause: e });
  // A caller's AbortSignal is not a network failure: let it through as the AbortError it is.
  if (e instanceof Error && (e.name === 'AbortError' || code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR')) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new NetworkError(message, { api, request: where, code, reachedServer: code === undefined || !NEVER_SENT.has(code), cause: e });
}

function errorCode(e: unknown): string | undefined {
  // undici wraps the socket error of a failed connect in `cause`.
  for (let cur: unknown = e, depth = 0; cur && depth < 4; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR') {
      if (code !== 'UND_ERR_SOCKET' || !(cur as { cause?: unknown }).cause) return code;
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

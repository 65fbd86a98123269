import { ADMIN_ERRORS, ERRCODES, adminErrcode, adminErrorMessage, redact, type AdminErrorName, type ErrcodeName } from '@wxmedia/protocol';

/**
 * The errors the HTTP layer renders, one class per family, each declared as catalog data in @wxmedia/protocol
 * (the cloud gateway's own errors are in cloud/gateway-errors.ts).
 */

/**
 * A WeChat errcode, rendered as `{errcode, errmsg: "<text> rid: <rid>"}`, HTTP 200 (http/app.ts). Made from a catalog
 * name (ERRCODES), or from an errcode and its text (an injected fault may answer any errcode). `detail` is for the
 * log line and the calls record only — never sent to the client (it may name internal paths).
 */
export class WxError extends Error {
  readonly errcode: number;
  readonly errmsg: string;

  constructor(
    code: ErrcodeName | { readonly errcode: number; readonly errmsg: string },
    readonly detail?: string,
  ) {
    const info = typeof code === 'string' ? ERRCODES[code] : code;
    super(detail ? `${info.errmsg} (${detail})` : info.errmsg);
    this.name = 'WxError';
    this.errcode = info.errcode;
    this.errmsg = info.errmsg;
  }
}

export function isWxError(e: unknown): e is WxError {
  return e instanceof WxError;
}

/** Thrown by a fault that drops the connection: the HTTP layer closes the socket without an answer. */
export class ConnectionDropped extends Error {
  constructor(readonly fault: string) {
    super(`connection dropped by fault ${fault}`);
    this.name = 'ConnectionDropped';
  }
}

/**
 * An admin API error (ADMIN_ERRORS), rendered by the admin routes' one error handler (http/routes/admin/index.ts).
 * Its details fill the message's `%s` and are sent: they name what the caller sent (an appid, a field), never a secret.
 */
export class AdminError extends Error {
  readonly status: number;
  readonly errcode: number;
  /** Sent as `Retry-After` (a lock-out says when it ends). */
  retryAfterSeconds?: number;

  constructor(
    readonly code: AdminErrorName,
    ...details: readonly string[]
  ) {
    super(adminErrorMessage(code, ...details));
    this.name = 'AdminError';
    this.status = ADMIN_ERRORS[code].status;
    this.errcode = adminErrcode(code);
  }
}

/**
 * Under `wxmedia serve --workers N`: a read that needs every worker (the metrics, the calls record) could not hear
 * from them all — one stuck past PEER_TIMEOUT_MS, or the primary gone. Its message names which and is safe to send;
 * /metrics answers it 503, the admin API WORKERS_UNAVAILABLE. Partial answers are never given instead: a sum short
 * of a worker would make counters go down, and a lookup short of one would say "no such call" wrongly.
 */
export class PeersUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PeersUnavailableError';
  }
}

/** Anything that can log an error object with a message (a pino logger, a Fastify request's `log`). */
export interface ErrorLog {
  error(object: object, message: string): void;
}

/**
 * The one log line of an unexpected failure, under the request's rid: message and stack redacted, never sent to
 * the client (which gets WeChat's generic -1, or the gateway's SYS_ERR).
 */
export function logInternalError(log: ErrorLog, error: unknown): void {
  const e = error as Error | undefined;
  log.error({ err: { message: redact(String(e?.message)), stack: e?.stack === undefined ? undefined : redact(e.stack) } }, 'internal error');
}

import { ADMIN_ERRORS, ERRCODES, adminErrorMessage, redact, type AdminErrorName, type ErrcodeName } from '@wxmedia/protocol';

/**
 * The errors the HTTP layer renders, one class per family, each declared as catalog data in @wxmedia/protocol
 * (the cloud gateway's own errors are in cloud/gateway-errors.ts). `detail` is for the log line only — never sent
 * to the client (it may name internal paths).
 */

/** A WeChat errcode (ERRCODES): rendered as `{errcode, errmsg: "<text> rid: <rid>"}`, HTTP 200 (http/app.ts). */
export class WxError extends Error {
  readonly errcode: number;
  readonly errmsg: string;

  constructor(
    readonly code: ErrcodeName,
    readonly detail?: string,
  ) {
    const info = ERRCODES[code];
    super(detail ? `${info.errmsg} (${detail})` : info.errmsg);
    this.name = 'WxError';
    this.errcode = info.errcode;
    this.errmsg = info.errmsg;
  }
}

export function isWxError(e: unknown): e is WxError {
  return e instanceof WxError;
}

/**
 * An admin API error (ADMIN_ERRORS), rendered by the admin routes' one error handler (http/routes/admin.ts).
 * `detail` fills the message's `%s` and is sent: it names what the caller sent (an appid, a field), never a secret.
 */
export class AdminError extends Error {
  readonly status: number;

  constructor(
    readonly code: AdminErrorName,
    detail?: string,
  ) {
    super(adminErrorMessage(code, detail));
    this.name = 'AdminError';
    this.status = ADMIN_ERRORS[code].status;
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

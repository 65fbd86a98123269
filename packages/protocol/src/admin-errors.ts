import { ERRCODES } from './errcodes.ts';

/**
 * Every error wxmedia's own admin API (ADMIN_PATHS, not WeChat's) answers, declared once as data: adding an error
 * is adding a line here. On the wire each is HTTP `status` with WeChat's envelope and the error's name:
 *
 *   {"errcode": <status>, "errmsg": "<message> rid: <rid>", "code": "<NAME>"}
 *
 * `errcode` repeats the HTTP status (WeChat's -1 for an unexpected failure, its 45011 for a lock-out), so a client that reads only WeChat's
 * envelope (the SDK, the CLI) still tells the classes apart; `code` names the error exactly. Each `%s` in a message
 * is replaced, in order, by the details the server gives (an appid, what is wrong with a field).
 */
export interface AdminErrorInfo {
  readonly status: number;
  readonly message: string;
  /** The envelope's errcode when it is not the status. */
  readonly errcode?: number;
}

export const ADMIN_ERRORS = {
  UNAUTHORIZED: { status: 401, message: 'admin key missing or wrong (Authorization: Bearer <key from <data>/admin.key>)' },
  TOO_MANY_WRONG_KEYS: { status: 429, errcode: ERRCODES.MINUTE_QUOTA.errcode, message: 'too many wrong admin keys from this address: retry next minute' },
  BODY_NOT_OBJECT: { status: 400, message: 'body must be a JSON object %s' },
  UNKNOWN_FIELD: { status: 400, message: 'unknown field %s: %s' },
  INVALID_APP: { status: 400, message: '%s' },
  APP_EXISTS: { status: 409, message: 'app %s exists' },
  APP_NOT_FOUND: { status: 404, message: 'no app %s' },
  TIME_TRAVEL_OFF: { status: 409, message: 'time travel is off: start the server with --time-travel' },
  CLOCK_COMMAND: { status: 400, message: 'give exactly one of advance, set, reset' },
  INVALID_CLOCK_ADVANCE: { status: 400, message: 'advance must be a number of seconds ≥ 0' },
  INVALID_CLOCK_SET: { status: 400, message: 'set must be Unix seconds or an ISO 8601 date-time with a zone, e.g. "2030-01-01T00:00:00Z"' },
  CLOCK_SET_OUT_OF_RANGE: { status: 400, message: 'set must be between 1970 and 2100' },
  INVALID_CLOCK_RESET: { status: 400, message: 'reset must be true' },
  INVALID_FAULT: { status: 400, message: '%s' },
  FAULT_NOT_FOUND: { status: 404, message: 'no fault %s' },
  INVALID_RID: { status: 400, message: 'a rid is three groups of 8 hex characters, e.g. 6aac005a-355b48ab-4c5b487e' },
  CALL_NOT_FOUND: { status: 404, message: 'no call %s among the last %s answered by %s' },
  WORKERS_UNAVAILABLE: { status: 503, message: 'the worker processes could not all be asked: %s; retry' },
  MEDIA_NOT_FOUND: { status: 404, message: 'no media %s' },
  INVALID_MEDIA_KIND: { status: 400, message: 'kind must be one of %s' },
  INTERNAL: { status: 500, errcode: ERRCODES.SYSTEM_ERROR.errcode, message: 'system error' },
} as const satisfies Record<string, AdminErrorInfo>;

export type AdminErrorName = keyof typeof ADMIN_ERRORS;

/** The message of an admin error, each `%s` replaced by the next of `details`. */
export function adminErrorMessage(name: AdminErrorName, ...details: readonly string[]): string {
  let i = 0;
  return ADMIN_ERRORS[name].message.replace(/%s/g, () => details[i++] ?? '').trim();
}

/** The envelope's errcode of an admin error. */
export function adminErrcode(name: AdminErrorName): number {
  const info: AdminErrorInfo = ADMIN_ERRORS[name];
  return info.errcode ?? info.status;
}

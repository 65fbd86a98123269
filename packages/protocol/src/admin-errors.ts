/**
 * Every error wxmedia's own admin API (ADMIN_PATHS, not WeChat's) answers, declared once as data: adding an error
 * is adding a line here. On the wire each is HTTP `status` with WeChat's envelope and the error's name:
 *
 *   {"errcode": <status>, "errmsg": "<message> rid: <rid>", "code": "<NAME>"}
 *
 * `errcode` repeats the HTTP status, so a client that reads only WeChat's envelope (the SDK, the CLI) still tells
 * the classes apart; `code` names the error exactly. A `%s` in a message is replaced by the request's detail (an
 * appid, what is wrong with a field).
 */
export interface AdminErrorInfo {
  readonly status: number;
  readonly message: string;
}

export const ADMIN_ERRORS = {
  UNAUTHORIZED: { status: 401, message: 'admin key missing or wrong (Authorization: Bearer <key from <data>/admin.key>)' },
  BODY_NOT_OBJECT: { status: 400, message: 'body must be a JSON object %s' },
  INVALID_APP: { status: 400, message: 'invalid app: %s' },
  APP_EXISTS: { status: 409, message: 'app %s exists' },
  APP_NOT_FOUND: { status: 404, message: 'no app %s' },
  TIME_TRAVEL_OFF: { status: 404, message: 'time travel is off: start the server with --time-travel' },
  INVALID_CLOCK_ADVANCE: { status: 400, message: 'body must be {"advance": <seconds ≥ 0>}' },
} as const satisfies Record<string, AdminErrorInfo>;

export type AdminErrorName = keyof typeof ADMIN_ERRORS;

/** The message of an admin error, its `%s` replaced by `detail` (or dropped when there is none). */
export function adminErrorMessage(name: AdminErrorName, detail = ''): string {
  return ADMIN_ERRORS[name].message.replace('%s', detail).trim();
}

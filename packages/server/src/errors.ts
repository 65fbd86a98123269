import { ERRCODES, type ErrcodeName } from '@wxmedia/protocol';

/**
 * The one error the API layer turns into WeChat's envelope ({errcode, errmsg: "<text> rid: <rid>"}, HTTP 200).
 * `detail` is for the log line only — never sent to the client (it may name internal paths).
 */
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

import { ERRCODES, type ErrcodeName } from '@wxmedia/protocol';

/**
 * The one error the API layer turns into WeChat's envelope ({errcode, errmsg: "<text> rid: <rid>"}, HTTP 200).
 * Made from a catalog name, or from an errcode and its text (an injected fault may answer any errcode).
 * `detail` is for the log line and the calls record only — never sent to the client (it may name internal paths).
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

import { ERRCODES, cloudFailMessage, redact, ridOfErrmsg } from '@wxmedia/protocol';

/**
 * Every error this SDK throws is a WxMediaError, so `catch (e) { if (e instanceof WxMediaError) … }` catches exactly
 * ours. Messages never carry an access_token or a secret: URLs are passed through `redact` before they get here.
 */
export abstract class WxMediaError extends Error {
  /** The operation that failed, e.g. `uploadTempMedia` (see operations.ts) or `customerServiceMessage.getTempMedia`. */
  readonly api: string;
  /** wx-server-sdk's field: the errcode of a WeChatError, -1 for failures that never got a WeChat answer. */
  errCode = -1;
  /** wx-server-sdk's field: the message, prefixed `openapi.<api>:fail ` when thrown from the cloud-call face. */
  errMsg: string;

  protected constructor(message: string, api: string, options?: { cause?: unknown }) {
    super(redact(message), options);
    this.api = api;
    this.errMsg = this.message;
  }

  /** Marks the error as thrown by the cloud-call face: code written for wx-server-sdk reads errCode/errMsg. */
  asCloudFailure(cloudApi: string): this {
    this.errMsg = cloudFailMessage(cloudApi, this.message);
    return this;
  }
}

export interface WeChatErrorOptions {
  readonly errcode: number;
  readonly errmsg: string;
  readonly api: string;
  /**
   * Set when the error is thrown from the cloud-call face: `errMsg` and `message` then read exactly as
   * wx-server-sdk's (`openapi.<cloudApi>:fail <errmsg>`), so code written for a cloud function runs unchanged.
   */
  readonly cloudApi?: string;
}

/**
 * A reply from WeChat (or wxmedia) with a non-zero errcode. One class for every errcode: branch on `errcode`
 * (the numbers are in `ERRCODES` of @wxmedia/protocol), not on subclasses.
 */
export class WeChatError extends WxMediaError {
  override readonly name = 'WeChatError';
  readonly errcode: number;
  /** WeChat's own text, including its ` rid: …` suffix. */
  readonly errmsg: string;
  /** The request id WeChat put in errmsg: quote it when asking WeChat (or a wxmedia operator) about the call. */
  readonly rid: string | undefined;
  #cloud: boolean;

  constructor(options: WeChatErrorOptions) {
    const errmsg = redact(options.errmsg);
    const errMsg = options.cloudApi ? cloudFailMessage(options.cloudApi, errmsg) : errmsg;
    super(
      options.cloudApi ? cloudSdkMessage(options.errcode, errMsg) : `${options.api}: errcode ${options.errcode}: ${errmsg}`,
      options.api,
    );
    this.errcode = options.errcode;
    this.errmsg = errmsg;
    this.rid = ridOfErrmsg(errmsg);
    // wx-server-sdk's spellings: errCode is the errcode, errMsg is `openapi.<api>:fail <errmsg>` from the cloud face.
    this.errCode = options.errcode;
    this.errMsg = errMsg;
    this.#cloud = options.cloudApi !== undefined;
  }

  /** True for the errcodes that mean "get a new access_token and try again" (40001, 40014, 42001). */
  get isTokenRejected(): boolean {
    return TOKEN_REJECTED.has(this.errcode);
  }

  override asCloudFailure(cloudApi: string): this {
    this.errMsg = cloudFailMessage(cloudApi, this.errmsg);
    this.message = cloudSdkMessage(this.errcode, this.errMsg);
    this.#cloud = true;
    return this;
  }

  /** A cloud function that does `return err` serialises exactly what wx-server-sdk's error serialises. */
  toJSON(): Record<string, unknown> {
    return this.#cloud
      ? { errCode: this.errCode, errMsg: this.errMsg }
      : { errcode: this.errcode, errmsg: this.errmsg, rid: this.rid, api: this.api };
  }
}

const TOKEN_REJECTED: ReadonlySet<number> = new Set([
  ERRCODES.INVALID_CREDENTIAL.errcode,
  ERRCODES.INVALID_ACCESS_TOKEN.errcode,
  ERRCODES.ACCESS_TOKEN_EXPIRED.errcode,
]);

export function isTokenRejected(errcode: number): boolean {
  return TOKEN_REJECTED.has(errcode);
}

/** wx-server-sdk's CloudSDKError message: `errCode: N <name> | errMsg: …` (its name table only knows -1). */
function cloudSdkMessage(errCode: number, errMsg: string): string {
  const name = errCode === ERRCODES.SYSTEM_ERROR.errcode ? 'unknown error' : '';
  return `errCode: ${errCode} ${name} | errMsg: ${errMsg}`;
}

export interface NetworkErrorOptions {
  readonly api: string;
  /** Redacted `METHOD url`. */
  readonly request: string;
  /** The transport's error code (ECONNREFUSED, UND_ERR_SOCKET, …). */
  readonly code: string | undefined;
  /**
   * False only when the request provably never left this machine (connection refused, DNS failure, connect
   * timeout): the one case in which a non-idempotent call such as an upload may be sent again.
   */
  readonly reachedServer: boolean;
  readonly cause?: unknown;
}

/** The request failed below HTTP: no connection, a reset, a closed socket. */
export class NetworkError extends WxMediaError {
  override readonly name: string = 'NetworkError';
  readonly code: string | undefined;
  readonly reachedServer: boolean;
  constructor(message: string, options: NetworkErrorOptions) {
    super(`${options.request}: ${message}`, options.api, { cause: options.cause });
    this.code = options.code;
    this.reachedServer = options.reachedServer;
  }
}

/** A time limit passed: connecting, waiting for the response headers, or between two chunks of the body. */
export class TimeoutError extends WxMediaError {
  override readonly name = 'TimeoutError';
  readonly phase: 'connect' | 'headers' | 'body';
  readonly reachedServer: boolean;
  constructor(options: { api: string; request: string; phase: 'connect' | 'headers' | 'body'; cause?: unknown }) {
    super(`${options.request}: timed out (${options.phase})`, options.api, { cause: options.cause });
    this.phase = options.phase;
    this.reachedServer = options.phase !== 'connect';
  }
}

/** The server answered, but not in WeChat's envelope (a proxy's HTML error page, a truncated JSON body). */
export class UnexpectedResponseError extends WxMediaError {
  override readonly name = 'UnexpectedResponseError';
  readonly status: number;
  constructor(options: { api: string; request: string; status: number; detail: string }) {
    super(`${options.request}: HTTP ${options.status}: ${options.detail}`, options.api);
    this.status = options.status;
  }
}

/**
 * The media given to an upload cannot be sent: not a supported input, a file path that cannot be read (missing, a
 * folder, no permission), or a stream longer than the limit it is buffered to. Thrown before any request is made.
 */
export class MediaInputError extends WxMediaError {
  override readonly name = 'MediaInputError';
  readonly reason: MediaInputProblem;
  constructor(options: { api: string; reason: MediaInputProblem; message: string; cause?: unknown }) {
    super(options.message, options.api, { cause: options.cause });
    this.reason = options.reason;
  }
}

export type MediaInputProblem = 'too-large' | 'unsupported-input' | 'unreadable-file';

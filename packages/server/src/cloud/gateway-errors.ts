import type { FastifyReply } from 'fastify';
import type { CommOpenApiResp } from './protobuf.ts';

/**
 * The errors the cloud-call gateway itself produces (as opposed to WeChat errcodes, which come from
 * @wxmedia/protocol's ERRCODES and travel inside a successful gateway reply). Declared once, as data, each family
 * rendered by the one function below it; docs/cloud-call.md's two error tables are kept in step with these
 * catalogs by a test (gateway-errors.test.ts).
 *
 * Two kinds, and how wx-server-sdk 4.0.2 surfaces each (read from its `callWXOpenAPI` / `toSDKError`):
 *
 * - **Tencent Cloud gateway errors**: HTTP 200, `Content-Type: application/json; charset=utf-8` (exactly: the SDK
 *   compares the string), body `{code, message, requestId}`. @cloudbase/node-sdk throws it as a TcbError; the SDK
 *   maps `code` through its TCB_ERR_CODE table (-501001 when unknown) and throws an Error with
 *   `errCode` = that number and `errMsg` = `openapi.<api>:fail <errCode> <text>. <message>`.
 * - **WeChat gateway errors**: a protobuf CommOpenApiResp with `errorCode` set; the SDK throws
 *   `{errCode: <errorCode>, errMsg: "system error: error code: <errorCode>"}`.
 *
 * The codes and messages below are the ones seen from the real service where a capture exists (marked), otherwise
 * the names CloudBase documents (https://docs.cloudbase.net/error-code/…).
 */
export interface TcbGatewayError {
  /** CloudBase error code string, e.g. `SIGN_PARAM_INVALID`. */
  readonly code: string;
  readonly message: string;
  readonly when: string;
}

export const TCB_GATEWAY_ERRORS = {
  MISSING_AUTHORIZATION: {
    code: 'SIGN_PARAM_INVALID',
    message: 'authorization is missing or malformed',
    when: 'No `Authorization: TC3-HMAC-SHA256 …` header, or one that does not parse, or no X-Timestamp.',
  },
  UNKNOWN_SECRET_ID: {
    // Captured: "SIGN_PARAM_INVALID: secret id error".
    code: 'SIGN_PARAM_INVALID',
    message: 'secret id error',
    when: 'The secretId is neither the env\'s nor its app\'s appid (Tencent\'s own wording).',
  },
  SIGNATURE_EXPIRED: {
    // Captured: "SIGN_PARAM_INVALID signature is expired" (a machine whose clock is off).
    code: 'SIGN_PARAM_INVALID',
    message: 'signature is expired',
    when: 'X-Timestamp is more than X-Signature-Expires (at most 600) seconds old, or more than 300 s in the future (Tencent\'s own wording).',
  },
  SIGNATURE_MISMATCH: {
    code: 'SIGN_PARAM_INVALID',
    message: 'signature is invalid',
    when: 'The signature does not match (wrong secretKey, or the request was altered), or a form field is not covered by it.',
  },
  INVALID_ENV: {
    code: 'INVALID_ENV',
    message: 'env not exists',
    when: 'The `env` query parameter names no cloud environment (and, when empty, the secretId names no implicit one).',
  },
  INVALID_PARAM: {
    code: 'INVALID_PARAM',
    message: 'invalid param',
    when: 'The body is not the multipart form wx-server-sdk sends, `action` is not `wx.openApi`, or `requestData` is not a CommApiData.',
  },
  SYSTEM_ERROR: {
    code: 'SYS_ERR',
    message: 'system error',
    when: 'An unexpected failure in the gateway before the API ran (logged with the requestId).',
  },
  PAYLOAD_TOO_LARGE: {
    code: 'EXCEED_MAX_PAYLOAD_SIZE',
    message: 'request body is too large',
    when: 'The request body is larger than the gateway\'s bound (default 16 MiB, above every media size limit).',
  },
} as const satisfies Record<string, TcbGatewayError>;

export type TcbGatewayErrorName = keyof typeof TCB_GATEWAY_ERRORS;

/**
 * WeChat-side gateway codes, values of wx-server-sdk's own ERR_CODE table (`src/config/error.config.ts`, `sdkName`).
 * The SDK turns them into `errMsg: "system error: error code: <n>"` by itself; no text travels.
 */
export interface CloudCallError {
  readonly errorCode: number;
  readonly sdkName: string;
  readonly when: string;
}

export const CLOUD_CALL_ERRORS = {
  API_NOT_FOUND: {
    errorCode: -604100,
    sdkName: 'WX_FUNCTIONS_SERVER_OPENAPI_NOT_FOUND',
    when: 'The API is allowed but is not one wxmedia implements (or `requestData` is not an `OPEN_API` call).',
  },
  NO_PERMISSION: {
    errorCode: -604101,
    sdkName: 'WX_FUNCTIONS_SERVER_OPENAPI_NO_PERMISSION',
    when: 'The API is not in the env\'s list or in the function\'s config.json `permissions.openapi`, or `cloud.openapi({appid})` names another app.',
  },
} as const satisfies Record<string, CloudCallError>;

export type CloudCallErrorName = keyof typeof CLOUD_CALL_ERRORS;

/** The one renderer of WeChat-side gateway codes: a CommOpenApiResp with only `errorCode` set. */
export function cloudCallErrorResp(name: CloudCallErrorName): CommOpenApiResp {
  return { errorCode: CLOUD_CALL_ERRORS[name].errorCode };
}

/** Thrown inside the gateway; rendered by sendGatewayError. */
export class CloudGatewayError extends Error {
  override readonly name = 'CloudGatewayError';
  constructor(
    readonly kind: TcbGatewayErrorName,
    /** For the log line only. */
    readonly detail?: string,
  ) {
    super(detail ? `${TCB_GATEWAY_ERRORS[kind].message} (${detail})` : TCB_GATEWAY_ERRORS[kind].message);
  }
}

/**
 * The Content-Type of a Tencent Cloud gateway error: exactly this string, which wx-server-sdk compares to tell a
 * gateway error from a CommOpenApiResp.
 */
const GATEWAY_ERROR_TYPE = 'application/json; charset=utf-8';

/** The one renderer of Tencent Cloud gateway errors: HTTP 200, `{code, message, requestId}` with the request's rid. */
export function sendGatewayError(reply: FastifyReply, error: CloudGatewayError, rid: string): FastifyReply {
  const { code, message } = TCB_GATEWAY_ERRORS[error.kind];
  return reply.code(200).header('content-type', GATEWAY_ERROR_TYPE).send(JSON.stringify({ code, message, requestId: rid }));
}

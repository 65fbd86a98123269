import protobuf from 'protobufjs';

/**
 * The protobuf messages of the wx-server-sdk cloud-call protocol, as the SDK itself encodes and decodes them
 * (wx-server-sdk 4.0.2, `src/protobuf/openapi.js`, a protobufjs static module). Field numbers and types are
 * copied from its encoders; names are the SDK's property names (hence `keepCase`). Only the messages the
 * `wx.openApi` action uses are declared: a request is a `CommApiData`, a reply a `CommOpenApiResp`.
 *
 * Note `KeyValuePair.contenttype` (lower case): the SDK's media converter sets `contentType`, which its encoder
 * ignores, so a media pair arrives with a filename (`media.png`, extension from the MIME type) and no type.
 */
const PROTO = `
syntax = "proto3";

message KeyValuePair {
  string key = 1;
  bytes value = 2;
  string contenttype = 3;
  string filename = 4;
}

message OpenApiData {
  repeated KeyValuePair pairs = 1;
}

message TokenApiData {
  string resourceAppid = 1;
  string resourceEnv = 2;
}

message CommApiData {
  enum ApiType {
    OPEN_API = 0;
    INNER_API = 1;
    SVRKIT_API = 2;
    TOKEN_API = 3;
  }
  ApiType apiType = 1;
  OpenApiData openapiData = 2;
  // 3 innerData and 4 svrkitData are used by other actions; undeclared fields are skipped on decode.
  TokenApiData tokenData = 5;
  string appid = 6;
}

message HttpHeader {
  string key = 1;
  string value = 2;
}

message CommOpenApiResp {
  bytes respData = 1;
  string contentType = 2;
  int32 errorCode = 3;
  uint32 httpCode = 4;
  repeated HttpHeader headers = 5;
  int32 svrkitErrorCode = 6;
}
`;

const root = protobuf.parse(PROTO, { keepCase: true }).root;
const CommApiDataType = root.lookupType('CommApiData');
const CommOpenApiRespType = root.lookupType('CommOpenApiResp');

/** `CommApiData.ApiType.OPEN_API`: the only kind `cloud.openapi.*` sends. */
export const API_TYPE_OPEN_API = 0;

export interface KeyValuePair {
  readonly key: string;
  /** JSON text for plain parameters; the raw bytes for a media parameter. */
  readonly value: Buffer;
  readonly contenttype: string;
  /** Non-empty only for a media parameter. */
  readonly filename: string;
}

export interface CommApiData {
  readonly apiType: number;
  readonly pairs: readonly KeyValuePair[];
  /** Set by `cloud.openapi({ appid })` (cross-account calls); empty otherwise. */
  readonly appid: string;
}

export interface CommOpenApiResp {
  readonly respData?: Uint8Array;
  readonly contentType?: string;
  /** A gateway-side failure (e.g. -604101); the SDK throws `system error: error code: <n>` for any non-zero value. */
  readonly errorCode?: number;
  readonly httpCode?: number;
}

export class ProtobufError extends Error {
  override readonly name = 'ProtobufError';
}

/** Decodes a `requestData` part. Throws ProtobufError on bytes that are not a CommApiData. */
export function decodeCommApiData(bytes: Uint8Array): CommApiData {
  let obj: Record<string, unknown>;
  try {
    const msg = CommApiDataType.decode(bytes);
    obj = CommApiDataType.toObject(msg, { defaults: true, arrays: true, enums: Number });
  } catch (e) {
    throw new ProtobufError(`requestData is not a CommApiData: ${e instanceof Error ? e.message : String(e)}`);
  }
  const openapiData = obj['openapiData'] as { pairs?: Array<Record<string, unknown>> } | null | undefined;
  const pairs = (openapiData?.pairs ?? []).map(
    (p): KeyValuePair => ({
      key: String(p['key'] ?? ''),
      value: toBuffer(p['value']),
      contenttype: String(p['contenttype'] ?? ''),
      filename: String(p['filename'] ?? ''),
    }),
  );
  return { apiType: Number(obj['apiType'] ?? 0), pairs, appid: String(obj['appid'] ?? '') };
}

/** Encodes a reply body. */
export function encodeCommOpenApiResp(resp: CommOpenApiResp): Buffer {
  const msg = CommOpenApiRespType.fromObject({ ...resp });
  return Buffer.from(CommOpenApiRespType.encode(msg).finish());
}

/** For tests and tools: the inverse of the two above. */
export function decodeCommOpenApiResp(bytes: Uint8Array): Required<CommOpenApiResp> {
  const obj = CommOpenApiRespType.toObject(CommOpenApiRespType.decode(bytes), { defaults: true });
  return {
    respData: toBuffer(obj['respData']),
    contentType: String(obj['contentType'] ?? ''),
    errorCode: Number(obj['errorCode'] ?? 0),
    httpCode: Number(obj['httpCode'] ?? 0),
  };
}

export function encodeCommApiData(data: { apiType?: number; pairs: readonly Partial<KeyValuePair>[]; appid?: string }): Buffer {
  const msg = CommApiDataType.fromObject({ apiType: data.apiType ?? API_TYPE_OPEN_API, openapiData: { pairs: data.pairs }, appid: data.appid ?? '' });
  return Buffer.from(CommApiDataType.encode(msg).finish());
}

function toBuffer(v: unknown): Buffer {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return Buffer.alloc(0);
}

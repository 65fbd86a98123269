/**
 * JSON Schemas (OpenAPI 3.1 = JSON Schema 2020-12) of everything wxmedia sends and takes, by name. The wire types
 * they describe live in @wxmedia/protocol (wire.ts, admin-wire.ts); the OpenAPI test validates real replies
 * against these schemas, so the two cannot drift apart unnoticed.
 */
import { FAULT_APIS, MEDIA_TYPES } from '@wxmedia/protocol';

type Schema = Record<string, unknown>;

const int = { type: 'integer' } as const;
const str = { type: 'string' } as const;
const unixSeconds = { type: 'integer', description: 'Unix seconds' } as const;
const unixMs = { type: 'integer', description: 'Unix milliseconds' } as const;
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

function object(properties: Record<string, Schema>, required: readonly string[] = Object.keys(properties), extra: Schema = {}): Schema {
  return { type: 'object', properties, required: [...required], ...extra };
}

/** `{errcode: 0, errmsg: "ok", …}`: every admin success. */
function adminOk(properties: Record<string, Schema>): Schema {
  return object({ errcode: { const: 0 }, errmsg: { const: 'ok' }, ...properties });
}

const laneState = object(
  {
    generation: { ...int, description: 'Tokens minted in this lane so far' },
    issuedAt: unixSeconds,
    expiresAt: unixSeconds,
    previousValidUntil: { ...unixSeconds, description: 'The token before the current one works until then' },
  },
  ['generation'],
);

const quotaState = object({ daily_limit: int, used: int, remain: int });

const faultSpec: Record<string, Schema> = {
  appid: { ...str, description: 'Only this app (default: every app)' },
  api: { enum: [...FAULT_APIS], description: 'Only this API (default: every API); cloud calls count as their HTTPS path' },
  errcode: { ...int, description: "Answer this errcode in WeChat's envelope" },
  errmsg: { ...str, description: "Its text (default: WeChat's own for the errcode)" },
  count: { ...int, minimum: 1, description: 'Fire on this many calls, then vanish' },
  probability: { type: 'number', exclusiveMinimum: 0, maximum: 1, description: 'Fire on each matching call with this probability' },
  latencyMs: { ...int, minimum: 0, description: 'Delay the answer' },
  drop: { type: 'boolean', description: 'Close the connection without an answer' },
};

export const SCHEMAS: Record<string, Schema> = {
  ErrorEnvelope: object(
    { errcode: { ...int, description: 'WeChat errcode (docs/errcodes.md)' }, errmsg: { ...str, description: '`<text> rid: <rid>`' } },
    ['errcode', 'errmsg'],
    { description: 'Every WeChat API failure: HTTP 200 with this body.' },
  ),
  AccessTokenReply: object({ access_token: str, expires_in: { ...int, description: 'Seconds the token stays valid' } }),
  StableTokenRequest: object(
    { grant_type: { const: 'client_credential' }, appid: str, secret: str, force_refresh: { type: 'boolean' } },
    ['grant_type', 'appid', 'secret'],
  ),
  UploadReply: object(
    {
      errcode: { const: 0 },
      errmsg: { const: 'ok' },
      type: { enum: [...MEDIA_TYPES] },
      media_id: { ...str, pattern: '^[A-Za-z0-9_-]{64}$' },
      thumb_media_id: { ...str, pattern: '^[A-Za-z0-9_-]{64}$', description: 'Instead of media_id for type thumb' },
      created_at: unixSeconds,
      item: { type: 'array', maxItems: 0 },
    },
    ['type', 'created_at'],
  ),
  VideoUrlReply: object(
    { video_url: { ...str, format: 'uri', description: 'Where the video downloads (signed; valid as long as the media)' } },
    ['video_url'],
    { description: "An official account's video: its download address rather than its bytes (WeChat's documented answer)." },
  ),
  QuotaGetRequest: object({ cgi_path: str }),
  QuotaGetReply: object({ errcode: { const: 0 }, errmsg: { const: 'ok' }, quota: quotaState }),
  ClearQuotaRequest: object({ appid: str }),
  OkReply: object({ errcode: { const: 0 }, errmsg: { const: 'ok' } }),
  GatewayError: object({ code: str, message: str, requestId: str }, ['code', 'message']),

  AdminError: object(
    { errcode: { ...int, description: 'The HTTP status' }, errmsg: { ...str, description: '`<reason> rid: <rid>`' } },
    ['errcode', 'errmsg'],
  ),
  AppKind: { enum: ['miniprogram', 'official'] },
  AppSummary: object({ appid: str, kind: ref('AppKind'), createdAt: unixSeconds }),
  AppDetail: object({
    appid: str,
    kind: ref('AppKind'),
    createdAt: unixSeconds,
    tokens: object({ token: ref('LaneState'), stable: ref('LaneState') }),
    quotas: { type: 'object', additionalProperties: ref('QuotaState'), description: "Today's quota per API path" },
  }),
  LaneState: laneState,
  QuotaState: quotaState,
  NewApp: object({ appid: str, secret: str, kind: ref('AppKind') }, [], { additionalProperties: false }),
  ClockState: object({ now: unixMs, iso: { ...str, format: 'date-time' }, offsetSeconds: int, timeTravel: { type: 'boolean' } }),
  ClockCommand: {
    oneOf: [
      object({ advance: { type: 'number', minimum: 0 } }, ['advance'], { additionalProperties: false }),
      object({ set: { oneOf: [{ type: 'number' }, { ...str, format: 'date-time' }] } }, ['set'], { additionalProperties: false }),
      object({ reset: { const: true } }, ['reset'], { additionalProperties: false }),
    ],
  },
  FaultSpec: object(faultSpec, [], { additionalProperties: false }),
  Fault: object({ id: str, createdAt: unixMs, fired: { ...int, description: 'How often it fired (faults with a count)' }, ...faultSpec }, ['id', 'createdAt'], {
    additionalProperties: false,
  }),
  CallRecord: object(
    {
      rid: str,
      at: unixMs,
      method: str,
      channel: { enum: ['https', 'cloud'] },
      api: str,
      appid: str,
      status: int,
      errcode: int,
      ms: int,
      bytes: int,
      mediaId: str,
      reason: str,
      fault: str,
      dropped: { type: 'boolean' },
      query: { type: 'object', additionalProperties: str },
      headers: { type: 'object', additionalProperties: str },
    },
    ['rid', 'at', 'method', 'channel', 'api', 'status', 'ms', 'query', 'headers'],
  ),
  MediaEntry: object({
    mediaId: str,
    appid: str,
    kind: { enum: ['image', 'voice', 'video'] },
    contentType: str,
    filename: str,
    size: int,
    createdAt: unixSeconds,
    expiresAt: unixSeconds,
  }),
  MinuteStats: object({ minute: unixMs, uploads: int, gets: int, calls: int, errors: int }),
  Overview: object({
    apps: int,
    media: object({ count: int, bytes: int }),
    perMinute: { type: 'array', items: ref('MinuteStats') },
    errorsByErrcode: { type: 'object', additionalProperties: int },
    storage: object({ blobs: str, state: str }),
    clock: ref('ClockState'),
    faults: int,
    startedAt: unixMs,
  }),
  ResetResult: object({ media: int, apps: int, faults: int }),
};

export const ADMIN_OK = adminOk;
export { ref, object };

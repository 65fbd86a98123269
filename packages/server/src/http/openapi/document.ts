/**
 * The OpenAPI 3.1 description of wxmedia's HTTP API — WeChat's endpoints as wxmedia answers them, the cloud-call
 * gateway, and wxmedia's own admin API — served at /wxmedia/openapi.json and rendered into docs/http-api.md.
 * Paths come from @wxmedia/protocol, as the routes' do; the OpenAPI test checks every route is described here and
 * every description is served, and validates the document with a maintained OpenAPI 3.1 validator.
 */
import { readFileSync } from 'node:fs';
import { ADMIN_PATHS, CLOUD_GATEWAY_PATH, DASHBOARD_PATH, METRICS_PATH, OPENAPI_PATH, PATHS } from '@wxmedia/protocol';
import { PEER_TIMEOUT_MS } from '../../services/call-peers.ts';
import { VIDEO_DOWNLOAD_PATH } from '../video-url.ts';
import { ADMIN_OK, SCHEMAS, object, ref } from './schemas.ts';

type Schema = Record<string, unknown>;
type Operation = Record<string, unknown>;

const WECHAT_DOCS = 'https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/';

/** A WeChat JSON reply: HTTP 200 whether it succeeded or not (`errcode` tells); `type` is the configured Content-Type. */
function wechatReply(success: Schema, type: string): Record<string, unknown> {
  return { '200': { description: 'Success, or a WeChat error (`errcode` ≠ 0, HTTP 200 all the same)', content: { [type]: { schema: { oneOf: [success, ref('ErrorEnvelope')] } } } } };
}

function query(name: string, description: string, required = true, schema: Schema = { type: 'string' }): Schema {
  return { name, in: 'query', required, description, schema };
}

function pathParam(name: string, description: string): Schema {
  return { name, in: 'path', required: true, description, schema: { type: 'string' } };
}

function jsonBody(schema: Schema, required = true): Schema {
  return { required, content: { 'application/json': { schema } } };
}

const TOKEN_PARAM = query('access_token', 'From /cgi-bin/token or /cgi-bin/stable_token (only the query parameter counts)');
const JSON_API = 'application/json; encoding=utf-8';
const MEDIA_JSON = 'text/plain';

function wechat(summary: string, description: string, extra: Operation): Operation {
  return { tags: ['WeChat API'], summary, description, security: [], ...extra };
}

/** An admin operation: bearer key, JSON reply, 4xx refusals as AdminError. */
function admin(summary: string, success: Record<string, Schema>, extra: Operation = {}): Operation {
  return {
    tags: ['Admin API'],
    summary,
    ...extra,
    responses: {
      '200': { description: 'Done', content: { 'application/json': { schema: ADMIN_OK(success) } } },
      '4XX': { description: 'Refused: 400 bad input, 401 no or wrong admin key, 404 not found, 409 conflict', content: { 'application/json': { schema: ref('AdminError') } } },
    },
  };
}

/** An admin operation that asks every worker under `--workers`, which may find one stuck. */
function gathered(operation: Operation): Operation {
  const refused = { description: `Under \`--workers\`: a worker process did not answer within ${PEER_TIMEOUT_MS / 1000} s (WORKERS_UNAVAILABLE)`, content: { 'application/json': { schema: ref('AdminError') } } };
  return { ...operation, responses: { ...(operation['responses'] as Record<string, unknown>), '503': refused } };
}

/** Fastify's `:name` route parameters in OpenAPI's `{name}` form. */
export function openapiPath(route: string): string {
  return route.replace(/:([A-Za-z]+)/g, '{$1}');
}

/** The version of @wxmedia/server (src/ and dist/ sit at the same depth below its package.json). */
const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const appid = pathParam('appid', 'The app');
const mediaId = pathParam('id', 'The media_id');

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'wxmedia',
    version,
    summary: "WeChat's temporary-media API, self-hosted, and wxmedia's own admin API",
    description:
      "WeChat's endpoints answer as api.weixin.qq.com does: every API error is HTTP 200 with `{errcode, errmsg}` " +
      '(docs/errcodes.md); only HTTP-level trouble (a malformed request, a timeout, too many connections) gets another ' +
      'status (docs/errcodes.md#answers-that-are-not-http-200). JSON replies from /cgi-bin/media/* carry `text/plain` and the others ' +
      '`application/json; encoding=utf-8` (both configurable). The admin API needs `Authorization: Bearer <admin key>`.',
    license: { name: 'MIT', identifier: 'MIT' },
  },
  externalDocs: { description: "WeChat's own documentation", url: WECHAT_DOCS },
  tags: [
    { name: 'WeChat API', description: 'What WeChat clients call (HTTPS style)' },
    { name: 'Cloud call', description: 'The wx-server-sdk gateway (docs/cloud-call.md)' },
    { name: 'Admin API', description: "wxmedia's own controls: apps, media, clock, faults, calls, reset" },
    { name: 'Operations', description: 'Health, metrics, this document, the dashboard' },
  ],
  components: {
    schemas: SCHEMAS,
    securitySchemes: { adminKey: { type: 'http', scheme: 'bearer', description: 'The admin key (`<data dir>/admin.key`, or WXMEDIA_ADMIN_KEY)' } },
  },
  security: [{ adminKey: [] }],
  paths: {
    [PATHS.token]: {
      get: wechat('Get an access token', 'A new token per call; the one it replaces stays valid 300 s more.', {
        operationId: 'getAccessToken',
        parameters: [query('grant_type', '`client_credential`'), query('appid', 'The app'), query('secret', 'Its secret')],
        responses: wechatReply(ref('AccessTokenReply'), JSON_API),
      }),
    },
    [PATHS.stableToken]: {
      post: wechat('Get the stable access token', 'The same token until 5 minutes before it expires; `force_refresh` revokes it at once.', {
        operationId: 'getStableAccessToken',
        requestBody: jsonBody(ref('StableTokenRequest')),
        responses: wechatReply(ref('AccessTokenReply'), JSON_API),
      }),
    },
    [PATHS.upload]: {
      post: wechat('Upload temporary media', 'One multipart file part named `media`; valid 259 200 s (3 days).', {
        operationId: 'uploadTempMedia',
        parameters: [TOKEN_PARAM, query('type', 'image (official accounts also voice, video, thumb)')],
        requestBody: {
          required: true,
          content: { 'multipart/form-data': { schema: object({ media: { type: 'string', contentMediaType: 'application/octet-stream' } }) } },
        },
        responses: wechatReply(ref('UploadReply'), MEDIA_JSON),
      }),
    },
    [PATHS.get]: {
      get: wechat('Get temporary media', "The bytes with WeChat's headers (`Range` → 206); an official account's video answers `{video_url}`.", {
        operationId: 'getTempMedia',
        parameters: [TOKEN_PARAM, query('media_id', 'From the upload')],
        responses: {
          '200': {
            description: 'The media, `{video_url}` for an official account video, or a WeChat error',
            headers: { 'Content-disposition': { schema: { type: 'string' }, description: '`attachment; filename="<media_id>.<ext>"`' } },
            content: {
              'image/*': { schema: { type: 'string', contentMediaType: 'image/*' } },
              'audio/*': { schema: { type: 'string', contentMediaType: 'audio/*' } },
              'video/*': { schema: { type: 'string', contentMediaType: 'video/*' } },
              [MEDIA_JSON]: { schema: { oneOf: [ref('VideoUrlReply'), ref('ErrorEnvelope')] } },
            },
          },
          '206': { description: 'The requested byte range' },
          '416': { description: 'The range lies outside the file' },
        },
      }),
      head: wechat('Headers of temporary media', 'What GET would send, without the body (the WeChat page\'s own `curl -I -G`).', {
        operationId: 'headTempMedia',
        parameters: [TOKEN_PARAM, query('media_id', 'From the upload')],
        responses: { '200': { description: 'The headers GET would send' } },
      }),
    },
    [PATHS.quotaGet]: {
      post: wechat("An API's daily quota", 'Per app, per API, per Beijing day.', {
        operationId: 'getApiQuota',
        parameters: [TOKEN_PARAM],
        requestBody: jsonBody(ref('QuotaGetRequest')),
        responses: wechatReply(ref('QuotaGetReply'), JSON_API),
      }),
    },
    [PATHS.clearQuota]: {
      post: wechat("Clear the app's quotas", 'Every counter of the app for today; 10 times a month.', {
        operationId: 'clearQuota',
        parameters: [TOKEN_PARAM],
        requestBody: jsonBody(ref('ClearQuotaRequest')),
        responses: wechatReply(ref('OkReply'), JSON_API),
      }),
    },
    [openapiPath(VIDEO_DOWNLOAD_PATH)]: {
      get: {
        tags: ['WeChat API'],
        summary: 'Download a video by its video_url',
        description: 'The address /cgi-bin/media/get gives for an official account video; signed, valid as long as the media.',
        operationId: 'downloadVideo',
        security: [],
        parameters: [pathParam('id', 'The media_id'), query('sign', 'The signature in the video_url')],
        responses: {
          '200': { description: 'The video', content: { 'video/mp4': { schema: { type: 'string', contentMediaType: 'video/mp4' } } } },
          '206': { description: 'The requested byte range' },
          '404': { description: 'Unknown, expired or wrongly signed', content: { 'text/plain': { schema: { type: 'string' } } } },
        },
      },
      head: { tags: ['WeChat API'], summary: 'Headers of a video download', operationId: 'headVideo', security: [], parameters: [pathParam('id', 'The media_id'), query('sign', 'The signature')], responses: { '200': { description: 'The headers GET would send' }, '404': { description: 'Unknown, expired or wrongly signed' } } },
    },
    [CLOUD_GATEWAY_PATH]: {
      post: {
        tags: ['Cloud call'],
        summary: 'The wx-server-sdk cloud-call gateway',
        description: 'What `cloud.openapi.customerServiceMessage.*` posts to: a TC3-HMAC-SHA256 signed multipart form; the reply is a protobuf CommOpenApiResp (docs/cloud-call.md).',
        operationId: 'cloudCall',
        security: [],
        parameters: [query('env', 'The cloud environment', false), query('seqId', 'The SDK\'s sequence id', false)],
        requestBody: { required: true, content: { 'multipart/form-data': { schema: { type: 'object' } } } },
        responses: {
          '200': {
            description: 'A CommOpenApiResp, or a gateway error',
            content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/x-protobuf' } }, 'application/json; charset=utf-8': { schema: ref('GatewayError') } },
          },
        },
      },
    },
    '/healthz': {
      get: {
        tags: ['Operations'],
        summary: 'Ready',
        description: 'Readiness: each store answered within 2 s (503 names the store that did not). For load balancers.',
        operationId: 'health',
        security: [],
        responses: {
          '200': { description: 'Both stores answer', content: { 'application/json; charset=utf-8': { schema: healthSchema('ok') } } },
          '503': { description: 'A store is unavailable', content: { 'application/json; charset=utf-8': { schema: healthSchema('unavailable') } } },
        },
      },
    },
    '/healthz/live': {
      get: {
        tags: ['Operations'],
        summary: 'Alive',
        description: 'Liveness: 200 while the process serves HTTP, whatever the stores (an instance recovers by itself once they are back).',
        operationId: 'live',
        security: [],
        responses: { '200': { description: 'Serving', content: { 'application/json; charset=utf-8': { schema: object({ status: { const: 'ok' } }) } } } },
      },
    },
    [METRICS_PATH]: {
      get: {
        tags: ['Operations'],
        summary: 'Prometheus metrics',
        description: 'Public by default (`--metrics admin` puts it behind the admin key, `--metrics off` removes it).',
        operationId: 'metrics',
        security: [{}, { adminKey: [] }],
        responses: { '200': { description: 'Text exposition format 0.0.4', content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' } } } }, '401': { description: 'With `--metrics admin`, no or a wrong admin key' }, '503': { description: `Under \`--workers\`: a worker process did not answer within ${PEER_TIMEOUT_MS / 1000} s; the text says which`, content: { 'text/plain; charset=utf-8': { schema: { type: 'string' } } } } },
      },
    },
    [OPENAPI_PATH]: {
      get: { tags: ['Operations'], summary: 'This document', operationId: 'openapi', security: [], responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json; charset=utf-8': { schema: { type: 'object' } } } } } },
    },
    [`${DASHBOARD_PATH}{asset}`]: {
      get: {
        tags: ['Operations'],
        summary: 'The dashboard',
        description: '`/wxmedia/dashboard/` is the page, the rest its scripts and styles. It holds no data: it uses the admin API (with the key it asks for, or takes from the `#key=` of the link `wxmedia serve` prints).',
        operationId: 'dashboard',
        security: [],
        parameters: [pathParam('asset', 'Empty for the page, or a file of the built dashboard')],
        responses: { '200': { description: 'The page or file', content: { 'text/html': { schema: { type: 'string' } } } }, '404': { description: 'No such file' }, '503': { description: 'The dashboard was not built' } },
      },
      head: { tags: ['Operations'], summary: "Headers of the dashboard's files", operationId: 'dashboardHead', security: [], parameters: [pathParam('asset', 'As for GET')], responses: { '200': { description: 'The headers' } } },
    },

    [ADMIN_PATHS.apps]: {
      get: admin('List apps', { apps: { type: 'array', items: ref('AppSummary') } }, { operationId: 'listApps' }),
      post: admin('Add an app (appid and secret generated unless given; the secret is shown once)', { appid: { type: 'string' }, secret: { type: 'string' }, kind: ref('AppKind') }, { operationId: 'addApp', requestBody: jsonBody(ref('NewApp'), false) }),
    },
    [openapiPath(ADMIN_PATHS.app)]: {
      get: admin('An app: token lanes and quotas', { app: ref('AppDetail') }, { operationId: 'getApp', parameters: [appid] }),
      delete: admin('Remove an app (its tokens stop working at once)', { deleted: { const: true } }, { operationId: 'removeApp', parameters: [appid] }),
    },
    [openapiPath(ADMIN_PATHS.appSecret)]: {
      post: admin('Rotate the secret (generated unless given; shown once)', { appid: { type: 'string' }, secret: { type: 'string' } }, { operationId: 'rotateSecret', parameters: [appid], requestBody: jsonBody(object({ secret: { type: 'string', minLength: 8 } }, []), false) }),
    },
    [openapiPath(ADMIN_PATHS.appTokensRefresh)]: {
      post: admin('Force refresh: revoke every token of the app at once', { app: ref('AppDetail') }, { operationId: 'refreshTokens', parameters: [appid] }),
    },
    [openapiPath(ADMIN_PATHS.appQuotaClear)]: {
      post: admin("Clear today's quotas (without spending a clear_quota)", { app: ref('AppDetail') }, { operationId: 'clearAppQuota', parameters: [appid] }),
    },
    [ADMIN_PATHS.media]: {
      get: admin('Stored media, newest first', { media: { type: 'array', items: ref('MediaEntry') } }, {
        operationId: 'listMedia',
        parameters: [query('appid', "Only this app's", false), query('kind', 'image, voice or video', false), query('limit', 'At most (default 50, at most 1000)', false)],
      }),
    },
    [openapiPath(ADMIN_PATHS.mediaItem)]: {
      get: admin('One stored media', { media: ref('MediaEntry') }, { operationId: 'getMedia', parameters: [mediaId] }),
      delete: admin('Delete it (get answers 40007)', { deleted: { const: true } }, { operationId: 'deleteMedia', parameters: [mediaId] }),
    },
    [openapiPath(ADMIN_PATHS.mediaContent)]: {
      get: {
        tags: ['Admin API'],
        summary: "Its bytes, with /cgi-bin/media/get's headers",
        operationId: 'downloadMedia',
        parameters: [mediaId],
        responses: { '200': { description: 'The bytes' }, '4XX': { description: 'Refused', content: { 'application/json': { schema: ref('AdminError') } } } },
      },
      head: { tags: ['Admin API'], summary: 'Its headers', operationId: 'headMedia', parameters: [mediaId], responses: { '200': { description: 'The headers' }, '4XX': { description: 'Refused' } } },
    },
    [openapiPath(ADMIN_PATHS.mediaExpire)]: {
      post: admin('Expire it now, as if its three days had passed', { expired: { const: true } }, { operationId: 'expireMedia', parameters: [mediaId] }),
    },
    [ADMIN_PATHS.clock]: {
      get: admin("The server's clock", { clock: ref('ClockState') }, { operationId: 'getClock' }),
      post: admin('Move the clock (needs --time-travel): advance, set or reset', { clock: ref('ClockState') }, { operationId: 'moveClock', requestBody: jsonBody(ref('ClockCommand')) }),
    },
    [ADMIN_PATHS.faults]: {
      get: admin('The faults in force', { faults: { type: 'array', items: ref('Fault') } }, { operationId: 'listFaults' }),
      post: admin('Add a fault', { fault: ref('Fault') }, { operationId: 'addFault', requestBody: jsonBody(ref('FaultSpec')) }),
      delete: admin("Remove every fault (or one app's)", { removed: { type: 'integer' } }, { operationId: 'clearFaults', parameters: [query('appid', "Only this app's", false)] }),
    },
    [openapiPath(ADMIN_PATHS.fault)]: {
      delete: admin('Remove a fault', { deleted: { const: true } }, { operationId: 'removeFault', parameters: [pathParam('id', 'The fault id')] }),
    },
    [ADMIN_PATHS.calls]: {
      get: gathered(
        admin("Recent WeChat API calls (this instance's, all its workers), newest first", { calls: { type: 'array', items: ref('CallRecord') } }, {
          operationId: 'listCalls',
          parameters: [query('limit', 'At most (default 100)', false), query('appid', "Only this app's", false), query('api', 'Only this API', false), query('failed', '`1`: only failed calls', false)],
        }),
      ),
    },
    [openapiPath(ADMIN_PATHS.call)]: {
      get: gathered(admin('The call with this rid', { call: ref('CallRecord') }, { operationId: 'getCall', parameters: [pathParam('rid', "The rid from a failed call's errmsg")] })),
    },
    [ADMIN_PATHS.callStream]: {
      get: {
        tags: ['Admin API'],
        summary: 'Calls as they happen (server-sent events: `event: call`, data = CallRecord)',
        operationId: 'streamCalls',
        parameters: [query('backlog', 'Send the last N calls first', false)],
        responses: { '200': { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, '401': { description: 'No or a wrong admin key' } },
      },
    },
    [ADMIN_PATHS.reset]: {
      post: gathered(admin("Wipe one app's (or every app's) media, tokens, quotas, faults and recent calls", { reset: ref('ResetResult') }, {
        operationId: 'reset',
        requestBody: jsonBody(object({ appid: { type: 'string' } }, [], { additionalProperties: false }), false),
      })),
    },
    [ADMIN_PATHS.overview]: {
      get: gathered(admin('Apps, media, calls per minute, errors, stores, clock', { overview: ref('Overview') }, { operationId: 'overview' })),
    },
  },
} as const;

/** The body of GET /healthz: the overall status and each store's. */
function healthSchema(status: 'ok' | 'unavailable'): Record<string, unknown> {
  const store = status === 'ok' ? { const: 'ok' } : { enum: ['ok', 'unavailable'] };
  return object({ status: { const: status }, stores: object({ blob: store, state: store }) });
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { CLOUD_API_PATHS, RID_PATTERN, newRid, redact } from '@wxmedia/protocol';
import { nowSeconds, type Clock } from '../clock.ts';
import { ConnectionDropped, WxError } from '../errors.ts';
import { runFault } from '../http/faults.ts';
import type { FaultService } from '../services/emulator/faults.ts';
// For FastifyRequest.wxErrcode (the access log's errcode), declared by the HTTP layer.
import type {} from '../http/context.ts';
import { isWxError } from '../errors.ts';
import type { CredentialLimiter } from '../services/credential-limiter.ts';
import type { MediaService } from '../services/media-types.ts';
import { authenticateGatewayRequest } from './authenticate.ts';
import { BodyTimeoutError, requestBody } from '../http/body.ts';
import { continueBody } from '../http/expect-continue.ts';
import { clientGone, drain } from '../http/request.ts';
import { dispatchCloudCall, isImplementedApi, type QuotaCharger } from './dispatch.ts';
import { isApiAllowed } from './envs.ts';
import { decodeFunctionToken } from './function-token.ts';
import { CLOUD_CALL_ERROR_CODES, CloudGatewayError, TCB_GATEWAY_ERRORS } from './gateway-errors.ts';
import { API_TYPE_OPEN_API, ProtobufError, decodeCommApiData, encodeCommOpenApiResp, type CommOpenApiResp } from './protobuf.ts';
import { readGatewayForm, textField, binaryField } from './request-body.ts';
import { gatewayCodeResp, wechatErrorResp } from './result.ts';

/**
 * The cloud-call gateway: what an unmodified wx-server-sdk talks to (protocol: docs/cloud-call.md).
 *
 *   POST /admin?env=<env>&seqId=<id>   multipart form, TC3-HMAC-SHA256 signed, `action=wx.openApi`
 *   → 200 application/octet-stream     protobuf CommOpenApiResp (WeChat's JSON or the media bytes inside)
 *   → 200 application/json; charset=utf-8  {code, message, requestId}: a Tencent Cloud gateway error
 */
export interface CloudEnvConfig {
  /** The cloud environment id the SDK sends (`env=`). */
  readonly env: string;
  /** The app whose media this env reads and writes. */
  readonly appid: string;
  /**
   * Tencent Cloud credentials the SDK signs with (TC3-HMAC-SHA256). Absent: only the app's own credentials
   * (secretId = appid, secretKey = app secret) are accepted — which are accepted for every env of the app anyway.
   */
  readonly secretId?: string;
  readonly secretKey?: string;
  /** Allowed cloud-call APIs, as in a function's config.json `permissions.openapi`; undefined = both media APIs. */
  readonly openapi?: readonly string[];
}

export interface CloudGatewayDeps {
  /** Looks an env up (explicit --cloud-env entries, and one implicit env per app: see envs.ts implicitCloudEnv). */
  readonly env: (env: string) => Promise<CloudEnvConfig | undefined>;
  readonly media: MediaService;
  /** The daily quotas HTTPS calls spend: a cloud upload or get counts against the same ones. Absent: no quota. */
  readonly quotas?: QuotaCharger;
  /** Limits wrong secretIds and signatures per app and client address, with the HTTPS API's secrets. Absent: none. */
  readonly credentials?: CredentialLimiter;
  /** Injected faults: a fault on `/cgi-bin/media/upload` also fires on a cloud uploadTempMedia. Absent: none. */
  readonly faults?: Pick<FaultService, 'fire'>;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * Judges signature freshness. Default: real time, NOT `clock`: the SDK signs with the caller's wall clock, so a
   * server whose clock was moved forward (time travel) must still accept fresh signatures.
   */
  readonly signatureClock?: Clock;
  /** Path the SDK posts to. Default `/admin` (wx-server-sdk's own default path, and TCB_CONTEXT_CNFG's). */
  readonly path?: string;
  /** Bound on a request body. Default 16 MiB: above every media size limit plus the protobuf and form overhead. */
  readonly maxRequestBytes?: number;
}

export const CLOUD_GATEWAY_PATH = '/admin';
const DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024;
const MAX_TEXT_FIELD_BYTES = 64 * 1024;
/** The only action `cloud.openapi.*` uses (@cloudbase/node-sdk callCompatibleWxOpenApi). */
const ACTION_OPEN_API = 'wx.openApi';
const JSON_ERROR_TYPE = 'application/json; charset=utf-8';

export async function registerCloudGateway(app: FastifyInstance, deps: CloudGatewayDeps): Promise<void> {
  const path = deps.path ?? CLOUD_GATEWAY_PATH;
  const maxBytes = deps.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  await app.register(async (gateway) => {
    // Bodies are read here, from request.raw, bounded: no Fastify parser may consume them first.
    gateway.removeAllContentTypeParsers();
    gateway.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    gateway.post(path, { config: { wechat: 'cloud' } }, async (request, reply) => handle(request, reply, deps, maxBytes));
  });
}

async function handle(request: FastifyRequest, reply: FastifyReply, deps: CloudGatewayDeps, maxBytes: number): Promise<FastifyReply> {
  // The HTTP layer names each request by a WeChat rid; a bare Fastify (tests) gets one made here.
  const rid = RID_PATTERN.test(request.id) ? request.id : newRid(nowSeconds(deps.clock));
  const started = Date.now();
  const log: Record<string, unknown> = { rid };
  let bodyRead = false;
  try {
    const auth = await authenticateGatewayRequest(request, deps);
    Object.assign(log, { env: auth.env.env, appid: auth.env.appid });
    const call = request.wxCall;
    if (call) call.appid = auth.env.appid;
    continueBody(request.raw);
    const form = await readGatewayForm(request.headers['content-type'], requestBody(request), { maxBytes, maxFieldBytes: MAX_TEXT_FIELD_BYTES });
    bodyRead = true;
    await auth.verifyBody(form);

    if (textField(form, 'action') !== ACTION_OPEN_API) throw new CloudGatewayError('INVALID_PARAM', `action ${JSON.stringify(textField(form, 'action'))}`);
    const envName = textField(form, 'envname');
    if (envName !== '' && auth.envFromQuery !== '' && envName !== auth.envFromQuery) throw new CloudGatewayError('INVALID_PARAM', 'envName differs from env');
    const api = textField(form, 'apiname');
    log['api'] = api;
    if (call) call.api = api;
    const requestData = binaryField(form, 'requestdata');
    if (!requestData || api === '') throw new CloudGatewayError('INVALID_PARAM', 'apiName or requestData missing');
    let fn: ReturnType<typeof decodeFunctionToken>;
    try {
      fn = decodeFunctionToken(textField(form, 'wxcloudapitoken'));
    } catch (e) {
      throw new CloudGatewayError('INVALID_PARAM', (e as Error).message);
    }
    if (fn) log['function'] = fn.name;
    const data = decodeCommApiData(requestData);

    let resp: CommOpenApiResp;
    if (!isApiAllowed(api, auth.env, fn?.openapi)) {
      resp = gatewayCodeResp(CLOUD_CALL_ERROR_CODES.NO_PERMISSION);
    } else if (data.apiType !== API_TYPE_OPEN_API || !isImplementedApi(api)) {
      resp = gatewayCodeResp(CLOUD_CALL_ERROR_CODES.API_NOT_FOUND);
    } else if (data.appid !== '' && data.appid !== auth.env.appid) {
      // `cloud.openapi({appid})` asks for another account's API (cross-account): not something an env may do here.
      resp = gatewayCodeResp(CLOUD_CALL_ERROR_CODES.NO_PERMISSION);
    } else {
      resp = await faultResp(request, deps, api, auth.env.appid, rid) ??
        (await dispatchCloudCall(
          api,
          { appid: auth.env.appid, pairs: data.pairs, rid },
          {
            media: deps.media,
            ...(deps.quotas ? { quotas: deps.quotas } : {}),
            onInternalError: (e) => logInternal(request, e),
            observe: {
              media: (facts) => call && Object.assign(call, { mediaId: facts.mediaId, bytes: facts.bytes }),
              failure: (reason) => {
                if (call) call.reason = reason;
                log['detail'] = redact(reason);
              },
            },
          },
        ));
    }
    log['errorCode'] = resp.errorCode;
    log['errcode'] = errcodeOf(resp);
    request.wxErrcode = typeof log['errcode'] === 'number' ? log['errcode'] : resp.errorCode;
    return reply.code(200).header('content-type', 'application/octet-stream').send(encodeCommOpenApiResp(resp));
  } catch (e) {
    // A fault that drops the connection: the HTTP layer closes the socket.
    if (e instanceof ConnectionDropped) throw e;
    // The client's pace or its vanished connection: the HTTP layer answers those (408, or nobody to answer).
    if (e instanceof BodyTimeoutError || clientGone(e, request)) throw e;
    if (isWxError(e)) {
      // A credential lock-out (45011): WeChat's errcode, inside a gateway reply like any WeChat error.
      log['errcode'] = request.wxErrcode = e.errcode;
      if (!bodyRead && !(await drain(request, maxBytes))) reply.header('connection', 'close');
      return reply.code(200).header('content-type', 'application/octet-stream').send(encodeCommOpenApiResp(wechatErrorResp(e, rid)));
    }
    const error = e instanceof CloudGatewayError ? e : e instanceof ProtobufError ? new CloudGatewayError('INVALID_PARAM', e.message) : undefined;
    if (!error) logInternal(request, e);
    const kind = error?.kind ?? 'SYSTEM_ERROR';
    log['gatewayError'] = TCB_GATEWAY_ERRORS[kind].code;
    if (error?.detail) log['detail'] = redact(error.detail);
    if (request.wxCall) request.wxCall.reason = `gateway ${TCB_GATEWAY_ERRORS[kind].code}: ${TCB_GATEWAY_ERRORS[kind].message}${error?.detail ? ` (${error.detail})` : ''}`;
    if (!bodyRead) {
      // Answer only once the client has finished sending (it may not read a reply before), or close the connection.
      if (!(await drain(request, maxBytes))) reply.header('connection', 'close');
    }
    const { code, message } = TCB_GATEWAY_ERRORS[kind];
    return reply.code(200).header('content-type', JSON_ERROR_TYPE).send(JSON.stringify({ code, message, requestId: rid }));
  } finally {
    deps.logger.info({ ...log, ms: Date.now() - started }, 'cloud call');
  }
}

/**
 * The answer of an injected fault that fires on this cloud call (it matches the HTTPS path the API stands for):
 * WeChat's error inside the gateway reply, so wx-server-sdk throws the errCode/errMsg it would for the real one.
 * Latency is waited and a dropped connection thrown here; undefined when no fault fires.
 */
async function faultResp(request: FastifyRequest, deps: CloudGatewayDeps, api: string, appid: string, rid: string): Promise<CommOpenApiResp | undefined> {
  if (!deps.faults) return undefined;
  const path = CLOUD_API_PATHS[api];
  if (!path) return undefined;
  try {
    await runFault(await deps.faults.fire({ api: path, appid }), (id) => request.wxCall && (request.wxCall.fault = id));
  } catch (e) {
    if (!(e instanceof WxError)) throw e;
    if (request.wxCall) request.wxCall.reason = `${e.errmsg}: ${e.detail ?? ''}`;
    return wechatErrorResp(e, rid);
  }
  return undefined;
}

/** The WeChat errcode inside a JSON reply, for the log. */
function errcodeOf(resp: CommOpenApiResp): number | undefined {
  if (!resp.respData || !resp.contentType?.startsWith('application/json')) return resp.errorCode ? undefined : 0;
  try {
    const parsed = JSON.parse(Buffer.from(resp.respData).toString('utf8')) as { errcode?: unknown };
    return typeof parsed.errcode === 'number' ? parsed.errcode : undefined;
  } catch {
    return undefined;
  }
}

function logInternal(request: FastifyRequest, e: unknown): void {
  request.log.error({ err: { message: redact(String((e as Error)?.message)), stack: (e as Error)?.stack } }, 'cloud gateway internal error');
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CLOUD_API_PATHS, CLOUD_GATEWAY_PATH, RID_PATTERN, newRid, parseJsonObject, redact } from '@wxmedia/protocol';
import { nowSeconds } from '../clock.ts';
import { ConnectionDropped, WxError, isWxError, logInternalError } from '../errors.ts';
import { runFault } from '../http/faults.ts';
// For FastifyRequest.wxErrcode (the access log's errcode), declared by the HTTP layer.
import type {} from '../http/context.ts';
import { authenticateGatewayRequest } from './authenticate.ts';
import { BodyTimeoutError, requestBody } from '../http/body.ts';
import { continueBody } from '../http/expect-continue.ts';
import { clientGone, drain } from '../http/request.ts';
import { dispatchCloudCall, isImplementedApi } from './dispatch.ts';
import { isApiAllowed } from './envs.ts';
import { decodeFunctionToken } from './function-token.ts';
import type { CloudGatewayDeps } from './gateway-deps.ts';
import { CloudGatewayError, TCB_GATEWAY_ERRORS, cloudCallErrorResp, sendGatewayError } from './gateway-errors.ts';
import type { CommApiData, CommOpenApiResp } from './protobuf.ts';
import { readGatewayForm, textField, binaryField } from './request-body.ts';
import { wechatErrorResp } from './result.ts';

const DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024;
const MAX_TEXT_FIELD_BYTES = 64 * 1024;
/** The only action `cloud.openapi.*` uses (@cloudbase/node-sdk callCompatibleWxOpenApi). */
const ACTION_OPEN_API = 'wx.openApi';

/**
 * The cloud-call gateway: what an unmodified wx-server-sdk talks to (protocol: docs/cloud-call.md).
 *
 *   POST /admin?env=<env>&seqId=<id>   multipart form, TC3-HMAC-SHA256 signed, `action=wx.openApi`
 *   → 200 application/octet-stream     protobuf CommOpenApiResp (WeChat's JSON or the media bytes inside)
 *   → 200 application/json; charset=utf-8  {code, message, requestId}: a Tencent Cloud gateway error
 */
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

/**
 * The protobuf codec, with protobufjs behind it, is loaded by the first cloud call rather than at start: most servers
 * never get one, and it stays resident once loaded (idle RSS, docs/benchmarks.md).
 */
let codec: Promise<typeof import('./protobuf.ts')> | undefined;
const loadCodec = () => (codec ??= import('./protobuf.ts'));

async function handle(request: FastifyRequest, reply: FastifyReply, deps: CloudGatewayDeps, maxBytes: number): Promise<FastifyReply> {
  const { encodeCommOpenApiResp } = await loadCodec();
  // The HTTP layer names each request by a WeChat rid; a bare Fastify (tests) gets one made here.
  const rid = RID_PATTERN.test(request.id) ? request.id : newRid(nowSeconds(deps.clock));
  const started = Date.now();
  const log: Record<string, unknown> = { rid };
  const body = { read: false };
  try {
    const resp = await answer(request, deps, maxBytes, rid, log, body);
    log['errorCode'] = resp.errorCode;
    log['errcode'] = errcodeOf(resp);
    request.wxErrcode = typeof log['errcode'] === 'number' ? log['errcode'] : resp.errorCode;
    return reply.code(200).header('content-type', 'application/octet-stream').send(encodeCommOpenApiResp(resp));
  } catch (e) {
    // A fault that drops the connection: the HTTP layer closes the socket.
    if (e instanceof ConnectionDropped) throw e;
    // The client's pace or its vanished connection: the HTTP layer answers those (408, or nobody to answer).
    if (e instanceof BodyTimeoutError || clientGone(e, request)) throw e;
    // Answer only once the client has finished sending (it may not read a reply before), or close the connection.
    if (!body.read && !(await drain(request, maxBytes))) reply.header('connection', 'close');
    if (isWxError(e)) {
      // A credential lock-out (45011): WeChat's errcode, inside a gateway reply like any WeChat error.
      log['errcode'] = request.wxErrcode = e.errcode;
      return reply.code(200).header('content-type', 'application/octet-stream').send(encodeCommOpenApiResp(wechatErrorResp(e, rid)));
    }
    const error = e instanceof CloudGatewayError ? e : new CloudGatewayError('SYSTEM_ERROR');
    if (error !== e) logInternalError(request.log, e);
    const { code, message } = TCB_GATEWAY_ERRORS[error.kind];
    log['gatewayError'] = code;
    if (error.detail) log['detail'] = redact(error.detail);
    if (request.wxCall) request.wxCall.reason = `gateway ${code}: ${message}${error.detail ? ` (${error.detail})` : ''}`;
    return sendGatewayError(reply, error, rid);
  } finally {
    deps.logger.info({ ...log, ms: Date.now() - started }, 'cloud call');
  }
}

/** Authenticates, reads and checks the form, and runs the call; throws CloudGatewayError for the gateway's refusals. */
async function answer(
  request: FastifyRequest,
  deps: CloudGatewayDeps,
  maxBytes: number,
  rid: string,
  log: Record<string, unknown>,
  body: { read: boolean },
): Promise<CommOpenApiResp> {
  const auth = await authenticateGatewayRequest(request, deps);
  Object.assign(log, { env: auth.env.env, appid: auth.env.appid });
  const call = request.wxCall;
  if (call) call.appid = auth.env.appid;
  continueBody(request.raw);
  const form = await readGatewayForm(request.headers['content-type'], requestBody(request), { maxBytes, maxFieldBytes: MAX_TEXT_FIELD_BYTES });
  body.read = true;
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
  let data: CommApiData;
  try {
    fn = decodeFunctionToken(textField(form, 'wxcloudapitoken'));
    data = (await loadCodec()).decodeCommApiData(requestData);
  } catch (e) {
    throw new CloudGatewayError('INVALID_PARAM', (e as Error).message);
  }
  if (fn) log['function'] = fn.name;

  if (!isApiAllowed(api, auth.env, fn?.openapi)) return cloudCallErrorResp('NO_PERMISSION');
  if (data.apiType !== (await loadCodec()).API_TYPE_OPEN_API || !isImplementedApi(api)) return cloudCallErrorResp('API_NOT_FOUND');
  // `cloud.openapi({appid})` asks for another account's API (cross-account): not something an env may do here.
  if (data.appid !== '' && data.appid !== auth.env.appid) return cloudCallErrorResp('NO_PERMISSION');
  return (
    (await faultResp(request, deps, api, auth.env.appid, rid)) ??
    dispatchCloudCall(
      api,
      { appid: auth.env.appid, pairs: data.pairs, rid },
      {
        media: deps.media,
        ...(deps.quotas ? { quotas: deps.quotas } : {}),
        onInternalError: (e) => logInternalError(request.log, e),
        observe: {
          media: (facts) => call && Object.assign(call, { mediaId: facts.mediaId, bytes: facts.bytes }),
          failure: (reason) => {
            if (call) call.reason = reason;
            log['detail'] = redact(reason);
          },
        },
      },
    )
  );
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
  const errcode = parseJsonObject(Buffer.from(resp.respData).toString('utf8'))?.['errcode'];
  return typeof errcode === 'number' ? errcode : undefined;
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CLOUD_API_PATHS, FAULT_APIS, PATHS, redact } from '@wxmedia/protocol';
import type { CallFacts, ServerContext } from './context.ts';
import { redactedHeaders, redactedQuery } from './redact-request.ts';

/**
 * Every WeChat API call (routes with `config.wechat`) is: synced with the shared emulator controls before it runs
 * (clock offset, faults), then, once answered, recorded in the calls record and counted in the metrics.
 */
export function installCallObservation(app: FastifyInstance, ctx: ServerContext): void {
  app.decorateRequest('wxCall', undefined);
  app.addHook('onRequest', async (request) => {
    const channel = request.routeOptions.config?.wechat;
    if (!channel) return;
    request.wxCall = { channel, api: request.routeOptions.url ?? request.url.split('?')[0]!, at: ctx.clock.now() };
    await ctx.emulator.sync();
  });
  app.addHook('onResponse', async (request, reply) => finishCall(request, reply, ctx));
}

/** Records and measures a finished call (once). Also called for a connection closed without an answer. */
export function finishCall(request: FastifyRequest, reply: FastifyReply, ctx: ServerContext): void {
  const call = request.wxCall;
  if (!call || call.recorded) return;
  call.recorded = true;
  const errcode = call.dropped ? undefined : request.wxErrcode;
  const ms = Math.round(reply.elapsedTime);
  ctx.calls.record({
    rid: request.id,
    at: call.at,
    method: request.method,
    channel: call.channel,
    api: call.api,
    ...(call.appid !== undefined ? { appid: call.appid } : {}),
    status: call.dropped ? 0 : reply.statusCode,
    ...(errcode !== undefined ? { errcode } : {}),
    ms,
    ...(call.bytes !== undefined ? { bytes: call.bytes } : {}),
    ...(call.mediaId !== undefined ? { mediaId: call.mediaId } : {}),
    ...(call.reason !== undefined ? { reason: redact(call.reason) } : {}),
    ...(call.fault !== undefined ? { fault: call.fault } : {}),
    ...(call.dropped ? { dropped: true } : {}),
    query: redactedQuery(request.query),
    headers: redactedHeaders(request.headers),
  });
  const api = metricApi(call);
  ctx.metrics.requests.inc({ api, channel: call.channel, errcode: call.dropped ? 'dropped' : String(errcode ?? 'none') });
  ctx.metrics.duration.observe({ api, channel: call.channel }, ms / 1000);
  if (call.fault !== undefined) ctx.metrics.faultsInjected.inc({ api });
  if (call.bytes !== undefined && errcode === 0) {
    if (api === PATHS.upload) ctx.metrics.uploadedBytes.inc({ channel: call.channel }, call.bytes);
    if (api === PATHS.get) ctx.metrics.servedBytes.inc({ channel: call.channel }, call.bytes);
  }
}

/** A bounded label: one of wxmedia's API paths; a cloud call counts under the path it stands for. */
function metricApi(call: CallFacts): string {
  if (call.channel === 'cloud') return CLOUD_API_PATHS[call.api] ?? 'other';
  return (FAULT_APIS as readonly string[]).includes(call.api) ? call.api : 'other';
}

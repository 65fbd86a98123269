import type { FastifyReply, FastifyRequest } from 'fastify';
import { CLOUD_API_PATHS, FAULT_APIS, PATHS } from '@wxmedia/protocol';
import type { CallFacts, ServerContext } from './context.ts';

/**
 * Every WeChat API call (routes with `config.wechat`) is: synced with the shared emulator controls before it runs
 * (clock offset, faults), then, once answered, recorded in the calls record and counted in the metrics. app.ts's
 * onRequest and onResponse hooks call startCall and finishCall (one hook of each kind per request, not one per
 * concern).
 */

/** Starts observing a WeChat API call; the emulator sync it waits for, or undefined for any other route. */
export function startCall(request: FastifyRequest, ctx: ServerContext): Promise<void> | undefined {
  const channel = request.routeOptions.config?.wechat;
  if (!channel) return undefined;
  request.wxCall = { channel, api: request.routeOptions.url ?? request.url.split('?')[0]!, at: ctx.clock.now() };
  return ctx.emulator.sync();
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
    ...(call.reason !== undefined ? { reason: call.reason } : {}),
    ...(call.fault !== undefined ? { fault: call.fault } : {}),
    ...(call.dropped ? { dropped: true } : {}),
    // As the request carried them: the calls record redacts them (and the reason) when read (call-redaction.ts).
    query: request.query,
    headers: request.headers,
  });
  const api = metricApi(call);
  const series = ctx.metrics.callSeries(api, call.channel, call.dropped ? 'dropped' : String(errcode ?? 'none'));
  series.requests.inc();
  series.duration.observe(ms / 1000);
  if (call.fault !== undefined) series.faultsInjected.inc();
  if (call.bytes !== undefined && errcode === 0) {
    if (api === PATHS.upload) series.uploadedBytes.inc(call.bytes);
    if (api === PATHS.get) series.servedBytes.inc(call.bytes);
  }
}

/** A bounded label: one of wxmedia's API paths; a cloud call counts under the path it stands for. */
function metricApi(call: CallFacts): string {
  if (call.channel === 'cloud') return CLOUD_API_PATHS[call.api] ?? 'other';
  return (FAULT_APIS as readonly string[]).includes(call.api) ? call.api : 'other';
}

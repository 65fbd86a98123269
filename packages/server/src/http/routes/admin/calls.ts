import type { FastifyInstance } from 'fastify';
import { ADMIN_PATHS, RID_PATTERN, type CallRecord } from '@wxmedia/protocol';
import type { ServerContext } from '../../context.ts';
import { ClusterUnavailableError } from '../../../cluster/messages.ts';
import { AdminError, logInternalError } from '../../../errors.ts';
import { intParam, ok } from './respond.ts';

/** Comment lines keep idle proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;
/** A reader this far behind is cut off rather than buffered for without bound. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

type ListQuery = { Querystring: { limit?: string; appid?: string; api?: string; failed?: string; backlog?: string } };

/**
 * The recent WeChat API calls this instance answered (under `--workers`, all its workers: services/recent-calls.ts):
 * a listing (newest first, filtered by app, API, failure), the lookup by rid (the thing a developer holds after a
 * failing call), and a live stream as server-sent events (`event: call`, one JSON CallRecord per event). Browsers
 * read the stream with fetch(), which can send the Authorization header that EventSource cannot.
 */
export function callRoutes(admin: FastifyInstance, ctx: ServerContext): void {
  admin.get<ListQuery>(ADMIN_PATHS.calls, async (request, reply) => {
    const q = request.query;
    const calls = await ctx.calls.recent({
      limit: intParam(q.limit, 100, ctx.calls.capacity),
      ...(q.appid ? { appid: q.appid } : {}),
      ...(q.api ? { api: q.api } : {}),
      ...(q.failed === '1' || q.failed === 'true' ? { failed: true } : {}),
    });
    return ok(request, reply, { calls });
  });

  admin.get<{ Params: { rid: string } }>(ADMIN_PATHS.call, async (request, reply) => {
    const { rid } = request.params;
    if (!RID_PATTERN.test(rid)) throw new AdminError('INVALID_RID');
    const call = await ctx.calls.byRid(rid);
    if (!call) throw new AdminError('CALL_NOT_FOUND', rid, String(ctx.calls.capacity), ctx.calls.clustered ? 'each worker of this instance' : 'this instance');
    return ok(request, reply, { call });
  });

  const streams = new Set<() => void>();
  admin.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });

  admin.get<ListQuery>(ADMIN_PATHS.callStream, async (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    let ended = false;
    const send = (call: CallRecord) => {
      if (ended) return;
      if (res.writableLength > MAX_BUFFERED_BYTES) return end();
      res.write(`id: ${call.rid}\nevent: call\ndata: ${JSON.stringify(call)}\n\n`);
    };
    res.write(`retry: 2000\n: wxmedia calls of this instance${ctx.calls.clustered ? ', all its workers' : ''}\n\n`);
    // The last `backlog` calls first (oldest first), then live ones: a reader that reconnects misses nothing recent.
    // Live calls that come while the backlog is gathered (from the other workers) wait, and are sent after it once.
    const waiting: CallRecord[] = [];
    let live = false;
    const unsubscribe = ctx.calls.subscribe((call) => {
      if (live) send(call);
      else if (waiting.length < ctx.calls.capacity) waiting.push(call);
    });
    const ping = setInterval(() => res.write(': ping\n\n'), KEEPALIVE_MS);
    ping.unref();
    function end(): void {
      if (ended) return;
      ended = true;
      unsubscribe();
      clearInterval(ping);
      streams.delete(end);
      res.end();
    }
    streams.add(end);
    request.raw.socket.once('close', end);
    const backlog = intParam(request.query.backlog, 0, ctx.calls.capacity);
    const sent = new Set<string>();
    if (backlog > 0) {
      try {
        for (const call of (await ctx.calls.recent({ limit: backlog })).reverse()) {
          sent.add(call.rid);
          send(call);
        }
      } catch (e) {
        // The stream goes on with live calls (the response is under way: no error reply); the reader is told why.
        if (!(e instanceof ClusterUnavailableError)) logInternalError(request.log, e);
        if (!ended) res.write(`: no backlog: ${e instanceof ClusterUnavailableError ? e.message : 'system error'}\n\n`);
      }
    }
    for (const call of waiting) if (!sent.has(call.rid)) send(call);
    live = true;
  });
}

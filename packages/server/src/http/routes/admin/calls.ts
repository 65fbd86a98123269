import type { FastifyInstance } from 'fastify';
import { ADMIN_PATHS, RID_PATTERN, type CallRecord } from '@wxmedia/protocol';
import type { ServerContext } from '../../context.ts';
import { AdminError } from '../../../errors.ts';
import { intParam, ok } from './respond.ts';

/** Comment lines keep idle proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;
/** A reader this far behind is cut off rather than buffered for without bound. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

type ListQuery = { Querystring: { limit?: string; appid?: string; api?: string; failed?: string; backlog?: string } };

/**
 * The recent WeChat API calls this server answered (every worker of `--workers N`): a listing (newest first, filtered by app, API, failure), the
 * lookup by rid (the thing a developer holds after a failing call), and a live stream as server-sent events
 * (`event: call`, one JSON CallRecord per event). Browsers read the stream with fetch(), which can send the
 * Authorization header that EventSource cannot.
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
    if (!call) throw new AdminError('CALL_NOT_FOUND', rid, String(ctx.calls.capacity), ctx.calls.hasPeers ? 'each worker of this instance' : 'this instance');
    return ok(request, reply, { call });
  });

  const streams = new Set<() => void>();
  admin.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });

  admin.get<ListQuery>(ADMIN_PATHS.callStream, async (request, reply) => {
    // The last `backlog` calls first (oldest first), then live ones: a reader that reconnects misses nothing recent.
    // Live calls that come while the backlog is read (from the other workers, under --workers) wait for it, so none
    // falls between the two; the backlog is read before the reply is taken over, so a failure to read it is answered
    // as any other.
    const waiting: CallRecord[] = [];
    let live: ((call: CallRecord) => void) | undefined;
    const unsubscribe = ctx.calls.subscribe((call) => {
      if (live) live(call);
      else if (waiting.length < ctx.calls.capacity) waiting.push(call);
    });
    let backlog: CallRecord[];
    try {
      backlog = (await ctx.calls.recent({ limit: intParam(request.query.backlog, 0, ctx.calls.capacity) })).reverse();
    } catch (e) {
      unsubscribe();
      throw e;
    }
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
    res.write(`retry: 2000\n: wxmedia calls of this server\n\n`);
    const sent = new Set(backlog.map((call) => call.rid));
    for (const call of backlog) send(call);
    for (const call of waiting) if (!sent.has(call.rid)) send(call);
    live = send;
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
    // A reader gone while the backlog was read.
    if (request.raw.socket.destroyed) end();
  });
}

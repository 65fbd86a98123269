import type { FastifyInstance } from 'fastify';
import { METRICS_PATH } from '@wxmedia/protocol';
import { PeersUnavailableError } from '../../errors.ts';
import { checkAdminKey } from '../admin-key.ts';
import type { ServerContext } from '../context.ts';

/**
 * GET /metrics, Prometheus text format. Public by default — scrapers usually reach it on a network path of their
 * own, and it holds no secret, appid or media id — or behind the admin key (`metrics: 'admin'`), or off.
 */
export function metricsRoute(app: FastifyInstance, ctx: ServerContext): void {
  if (ctx.options.metrics === 'off') return;
  app.get(METRICS_PATH, async (request, reply) => {
    if (ctx.options.metrics === 'admin') {
      const key = await checkAdminKey(request, ctx);
      if (key === 'locked') {
        request.wxErrcode = 429;
        reply.header('retry-after', String(ctx.credentials.secondsLeft()));
        return reply.code(429).header('content-type', 'text/plain; charset=utf-8').send('too many wrong admin keys from this address: retry next minute\n');
      }
      if (key === 'wrong') {
        request.wxErrcode = 401;
        return reply.code(401).header('www-authenticate', 'Bearer').header('content-type', 'text/plain; charset=utf-8').send('admin key missing or wrong\n');
      }
    }
    let rendered: { contentType: string; body: string };
    try {
      rendered = await ctx.renderMetrics();
    } catch (e) {
      if (!(e instanceof PeersUnavailableError)) throw e;
      // Under --workers: a failed scrape is what Prometheus expects (`up` is 0 for it), not a partial sum that would
      // make the counters go down; the body says which process did not answer.
      request.wxErrcode = 503;
      request.log.warn({ reason: e.message }, 'metrics not gathered');
      return reply.code(503).header('content-type', 'text/plain; charset=utf-8').send(`the metrics of every worker could not be gathered: ${e.message}\n`);
    }
    request.wxErrcode = 0;
    return reply.code(200).header('content-type', rendered.contentType).send(rendered.body);
  });
}

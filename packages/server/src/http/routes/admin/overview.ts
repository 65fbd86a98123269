import type { FastifyInstance } from 'fastify';
import { ADMIN_PATHS, type Overview } from '@wxmedia/protocol';
import type { ServerContext } from '../../context.ts';
import { clockState } from './clock.ts';
import { ok } from './respond.ts';

/** The dashboard's first view: apps, media stored, calls per minute and errors (this instance), stores, clock. */
export function overviewRoute(admin: FastifyInstance, ctx: ServerContext): void {
  admin.get(ADMIN_PATHS.overview, async (request, reply) => {
    await ctx.emulator.sync();
    const { perMinute, errorsByErrcode } = await ctx.calls.stats();
    const overview: Overview = {
      apps: (await ctx.apps.list()).length,
      media: await ctx.mediaStats(),
      perMinute,
      errorsByErrcode,
      storage: ctx.storage,
      clock: clockState(ctx),
      faults: ctx.faults.size,
      startedAt: ctx.startedAt,
    };
    return ok(request, reply, { overview });
  });
}

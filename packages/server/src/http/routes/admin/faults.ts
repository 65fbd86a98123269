import type { FastifyInstance } from 'fastify';
import { ADMIN_PATHS } from '@wxmedia/protocol';
import { parseFaultSpec } from '../../../services/emulator/fault-spec.ts';
import type { ServerContext } from '../../context.ts';
import { AdminError, jsonBody, ok } from './respond.ts';

/** Faults: add one, list them (with how often each fired), remove one, clear all (or one app's). */
export function faultRoutes(admin: FastifyInstance, ctx: ServerContext): void {
  admin.get(ADMIN_PATHS.faults, async (request, reply) => ok(request, reply, { faults: await ctx.faults.list() }));

  admin.post(ADMIN_PATHS.faults, async (request, reply) => {
    const spec = parseFaultSpec(await jsonBody(request, '{appid?, api?, errcode?, errmsg?, count?, probability?, latencyMs?, drop?}'));
    if (typeof spec === 'string') throw new AdminError(400, spec);
    return ok(request, reply, { fault: await ctx.faults.add(spec) });
  });

  admin.delete<{ Params: { id: string } }>(ADMIN_PATHS.fault, async (request, reply) => {
    if (!(await ctx.faults.remove(request.params.id))) throw new AdminError(404, `no fault ${request.params.id}`);
    return ok(request, reply, { deleted: true });
  });

  admin.delete<{ Querystring: { appid?: string } }>(ADMIN_PATHS.faults, async (request, reply) => {
    return ok(request, reply, { removed: await ctx.faults.clear(request.query.appid || undefined) });
  });
}

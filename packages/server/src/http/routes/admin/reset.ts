import type { FastifyInstance } from 'fastify';
import { ADMIN_PATHS } from '@wxmedia/protocol';
import { resetApps } from '../../../services/emulator/reset.ts';
import type { ServerContext } from '../../context.ts';
import { AdminError, jsonBody, ok } from './respond.ts';

/** POST /wxmedia/admin/reset `{appid?}`: test isolation (services/emulator/reset.ts says what goes). */
export function resetRoute(admin: FastifyInstance, ctx: ServerContext): void {
  admin.post(ADMIN_PATHS.reset, async (request, reply) => {
    const { appid, ...rest } = await jsonBody(request, '{appid?}');
    if (Object.keys(rest).length > 0) throw new AdminError(400, `unknown field ${JSON.stringify(Object.keys(rest)[0])}: reset takes {appid?}`);
    if (appid !== undefined && (typeof appid !== 'string' || !(await ctx.apps.get(appid)))) throw new AdminError(404, `no app ${String(appid)}`);
    const result = await resetApps(ctx, appid);
    request.log.info({ appid: appid ?? 'all', ...result }, 'reset');
    return ok(request, reply, { reset: result });
  });
}

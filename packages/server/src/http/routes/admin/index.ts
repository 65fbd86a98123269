import type { FastifyInstance } from 'fastify';
import { checkAdminKey } from '../../admin-key.ts';
import { BodyTimeoutError } from '../../body.ts';
import { clientGone } from '../../request.ts';
import type { ServerContext } from '../../context.ts';
import { appRoutes } from './apps.ts';
import { callRoutes } from './calls.ts';
import { clockRoutes } from './clock.ts';
import { faultRoutes } from './faults.ts';
import { mediaRoutes } from './media.ts';
import { overviewRoute } from './overview.ts';
import { AdminError, PeersUnavailableError, logInternalError } from '../../../errors.ts';
import { sendAdminError } from './respond.ts';
import { resetRoute } from './reset.ts';

/**
 * wxmedia's own API (not WeChat's), under /wxmedia/admin, behind `Authorization: Bearer <admin key>` — used by the
 * SDK's admin client, the CLI and the dashboard (admin-key.ts: the key is read from that header only).
 */
export async function adminRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  await app.register(async (admin) => {
    admin.addHook('onRequest', async (request) => {
      const key = await checkAdminKey(request, ctx);
      if (key === 'locked') {
        const error = new AdminError('TOO_MANY_WRONG_KEYS');
        error.retryAfterSeconds = ctx.credentials.secondsLeft();
        throw error;
      }
      if (key === 'wrong') throw new AdminError('UNAUTHORIZED');
    });
    admin.setErrorHandler((error, request, reply) => {
      if (error instanceof AdminError) return sendAdminError(request, reply, error);
      // Under --workers, a worker stuck or the primary away: said as such, with who did not answer.
      if (error instanceof PeersUnavailableError) return sendAdminError(request, reply, new AdminError('WORKERS_UNAVAILABLE', error.message));
      // A client too slow or gone: the HTTP layer's error handler answers those (408, or nobody) as the client's.
      if (error instanceof BodyTimeoutError || clientGone(error, request)) throw error;
      logInternalError(request.log, error);
      return sendAdminError(request, reply, new AdminError('INTERNAL'));
    });
    appRoutes(admin, ctx);
    mediaRoutes(admin, ctx);
    clockRoutes(admin, ctx);
    faultRoutes(admin, ctx);
    callRoutes(admin, ctx);
    resetRoute(admin, ctx);
    overviewRoute(admin, ctx);
  });
}

import type { FastifyInstance } from 'fastify';
import { ERRCODES, redact } from '@wxmedia/protocol';
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
import { AdminError, sendAdminError } from './respond.ts';
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
        throw new AdminError(429, 'too many wrong admin keys from this address: retry next minute', {
          errcode: ERRCODES.MINUTE_QUOTA.errcode,
          retryAfterSeconds: ctx.credentials.secondsLeft(),
        });
      }
      if (key === 'wrong') throw new AdminError(401, 'admin key missing or wrong (Authorization: Bearer <key from <data>/admin.key>)');
    });
    admin.setErrorHandler((error, request, reply) => {
      if (error instanceof AdminError) return sendAdminError(request, reply, error);
      // A client too slow or gone: the HTTP layer's error handler answers those (408, or nobody) as the client's.
      if (error instanceof BodyTimeoutError || clientGone(error, request)) throw error;
      // The message may quote a request (a key, a token): redacted like every logged text.
      request.log.error({ err: { message: redact(String((error as Error).message)), stack: (error as Error).stack } }, 'admin API internal error');
      request.wxErrcode = -1;
      return reply.code(500).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify({ errcode: -1, errmsg: `system error rid: ${request.id}` }));
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

import type { FastifyInstance } from 'fastify';
import { PATHS } from '@wxmedia/protocol';
import type { ServerContext } from '../context.ts';
import { queryParam, requireMethod } from '../request.ts';
import { sendJson } from '../reply.ts';
import { ALL_METHODS } from './methods.ts';
import { applyFault } from '../faults.ts';
import { checkCredentials } from './credentials.ts';

/** GET /cgi-bin/token: a new token that replaces the app's previous one (which works 5 more minutes). */
export function tokenRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.route({
    method: ALL_METHODS,
    url: PATHS.token,
    config: { group: 'api', wechat: 'https' },
    handler: async (request, reply) => {
      requireMethod(request, ['GET']);
      const found = await checkCredentials(request, ctx, {
        grantType: queryParam(request, 'grant_type'),
        appid: queryParam(request, 'appid'),
        secret: queryParam(request, 'secret'),
      });
      await applyFault(request, ctx, found.appid);
      await ctx.quotas.charge(found.appid, PATHS.token);
      const issued = await ctx.tokens.issue(found);
      return sendJson(request, reply, ctx, { access_token: issued.accessToken, expires_in: issued.expiresIn });
    },
  });
}

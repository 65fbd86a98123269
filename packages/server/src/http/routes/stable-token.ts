import type { FastifyInstance } from 'fastify';
import { PATHS } from '@wxmedia/protocol';
import { WxError } from '../../errors.ts';
import type { ServerContext } from '../context.ts';
import { readJsonObject, requireMethod } from '../request.ts';
import { sendJson } from '../reply.ts';
import { ALL_METHODS } from './methods.ts';
import { applyFault } from '../faults.ts';
import { checkCredentials } from './credentials.ts';

/**
 * POST /cgi-bin/stable_token, JSON `{grant_type, appid, secret, force_refresh}`. Independent of /cgi-bin/token.
 * WeChat answers 43002 to a GET and to a body that is not JSON.
 */
export function stableTokenRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.route({
    method: ALL_METHODS,
    url: PATHS.stableToken,
    config: { group: 'api', wechat: 'https' },
    handler: async (request, reply) => {
      requireMethod(request, ['POST']);
      const notJson = new WxError('REQUIRE_POST', 'body is not a JSON object');
      const body = await readJsonObject(request, { empty: notJson, invalid: notJson });
      const found = await checkCredentials(request, ctx, { grantType: body['grant_type'], appid: body['appid'], secret: body['secret'] });
      const force = body['force_refresh'];
      if (force !== undefined && typeof force !== 'boolean') throw new WxError('DATA_FORMAT_ERROR', 'force_refresh must be a boolean');
      await applyFault(request, ctx, found.appid);
      await ctx.quotas.charge(found.appid, PATHS.stableToken);
      const issued = await ctx.tokens.stable(found, force === true);
      return sendJson(request, reply, ctx, { access_token: issued.accessToken, expires_in: issued.expiresIn });
    },
  });
}

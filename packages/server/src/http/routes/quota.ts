import type { FastifyInstance } from 'fastify';
import { PATHS, isQuotaPath } from '@wxmedia/protocol';
import { WxError } from '../../errors.ts';
import type { ServerContext } from '../context.ts';
import { authenticate, readJsonObject, requireMethod } from '../request.ts';
import { sendJson } from '../reply.ts';
import { ALL_METHODS } from './methods.ts';

const BODY_ERRORS = { empty: new WxError('EMPTY_POST_DATA'), invalid: new WxError('DATA_FORMAT_ERROR') };

/** POST /cgi-bin/openapi/quota/get `{cgi_path}` and POST /cgi-bin/clear_quota `{appid}`. */
export function quotaRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.route({
    method: ALL_METHODS,
    url: PATHS.quotaGet,
    config: { group: 'api', wechat: 'https' },
    handler: async (request, reply) => {
      requireMethod(request, ['POST']);
      const caller = await authenticate(request, ctx);
      const body = await readJsonObject(request, BODY_ERRORS);
      const path = body['cgi_path'];
      if (typeof path !== 'string' || !isQuotaPath(path)) throw new WxError('CGI_PATH_NOT_FOUND');
      const quota = await ctx.quotas.status(caller.appid, path);
      return sendJson(request, reply, ctx, { errcode: 0, errmsg: 'ok', quota });
    },
  });

  app.route({
    method: ALL_METHODS,
    url: PATHS.clearQuota,
    config: { group: 'api', wechat: 'https' },
    handler: async (request, reply) => {
      requireMethod(request, ['POST']);
      const caller = await authenticate(request, ctx);
      const body = await readJsonObject(request, BODY_ERRORS);
      const appid = body['appid'];
      if (typeof appid !== 'string' || appid === '') throw new WxError('APPID_MISSING');
      if (!(await ctx.apps.get(appid))) throw new WxError('INVALID_APPID');
      if (appid !== caller.appid) throw new WxError('API_UNAUTHORIZED', 'clear_quota for another app');
      await ctx.quotas.clear(appid);
      return sendJson(request, reply, ctx, { errcode: 0, errmsg: 'ok' });
    },
  });
}

import type { FastifyInstance } from 'fastify';
import { ADMIN_PATHS, type AppDetail, type AppKind } from '@wxmedia/protocol';
import { nowSeconds } from '../../../clock.ts';
import { AdminError } from '../../../errors.ts';
import { appFieldsProblem } from '../../../services/app-fields.ts';
import type { App } from '../../../services/apps.ts';
import type { ServerContext } from '../../context.ts';
import { jsonBody, ok } from './respond.ts';

type AppParams = { Params: { appid: string } };

/** Apps: list, add, remove, rotate the secret, their token state (with a force refresh) and quotas (with a clear). */
export function appRoutes(admin: FastifyInstance, ctx: ServerContext): void {
  const known = async (appid: string): Promise<App> => {
    const app = await ctx.apps.get(appid);
    if (!app) throw new AdminError('APP_NOT_FOUND', appid);
    return app;
  };
  const detail = async (app: App): Promise<AppDetail> => ({
    appid: app.appid,
    kind: app.kind,
    createdAt: app.createdAt,
    tokens: { token: await ctx.tokens.laneState(app.appid, 'token'), stable: await ctx.tokens.laneState(app.appid, 'stable') },
    quotas: await ctx.quotas.statusAll(app.appid),
  });

  admin.get(ADMIN_PATHS.apps, async (request, reply) => {
    const apps = (await ctx.apps.list()).map(({ appid, kind, createdAt }) => ({ appid, kind, createdAt }));
    return ok(request, reply, { apps });
  });

  admin.post(ADMIN_PATHS.apps, async (request, reply) => {
    const body = await jsonBody(request, '{appid?, secret?, kind?}');
    checkApp(body);
    const { appid, secret, kind } = body as { appid?: string; secret?: string; kind?: AppKind };
    if (appid !== undefined && (await ctx.apps.get(appid))) throw new AdminError('APP_EXISTS', appid);
    const made = await ctx.apps.create({ ...(appid !== undefined ? { appid } : {}), ...(secret !== undefined ? { secret } : {}), kind: kind ?? 'miniprogram' }, nowSeconds(ctx.clock));
    return ok(request, reply, { appid: made.appid, secret: made.secret, kind: made.kind });
  });

  admin.get<AppParams>(ADMIN_PATHS.app, async (request, reply) => {
    return ok(request, reply, { app: await detail(await known(request.params.appid)) });
  });

  admin.delete<AppParams>(ADMIN_PATHS.app, async (request, reply) => {
    if (!(await ctx.apps.remove(request.params.appid))) throw new AdminError('APP_NOT_FOUND', request.params.appid);
    return ok(request, reply, { deleted: true });
  });

  admin.post<AppParams>(ADMIN_PATHS.appSecret, async (request, reply) => {
    await known(request.params.appid);
    const { secret } = await jsonBody(request, '{secret?}');
    checkApp({ secret });
    const rotated = await ctx.apps.rotateSecret(request.params.appid, typeof secret === 'string' ? secret : undefined);
    if (!rotated) throw new AdminError('APP_NOT_FOUND', request.params.appid);
    // Shown here once; nothing else ever answers with a secret.
    return ok(request, reply, { appid: rotated.appid, secret: rotated.secret });
  });

  admin.post<AppParams>(ADMIN_PATHS.appTokensRefresh, async (request, reply) => {
    const app = await known(request.params.appid);
    await ctx.tokens.revokeAll(app.appid);
    return ok(request, reply, { app: await detail(app) });
  });

  admin.post<AppParams>(ADMIN_PATHS.appQuotaClear, async (request, reply) => {
    const app = await known(request.params.appid);
    await ctx.quotas.clearToday(app.appid);
    return ok(request, reply, { app: await detail(app) });
  });
}

/** The app fields given, checked by the one rule configured apps follow too (services/app-fields.ts). */
function checkApp(fields: { appid?: unknown; secret?: unknown; kind?: unknown }): void {
  const problem = appFieldsProblem(fields, { required: false });
  if (problem) throw new AdminError('INVALID_APP', problem);
}

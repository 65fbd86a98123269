import type { FastifyInstance } from 'fastify';
import { ADMIN_PATHS, APPID_PATTERN, type AppDetail } from '@wxmedia/protocol';
import { nowSeconds } from '../../../clock.ts';
import type { App } from '../../../services/apps.ts';
import type { ServerContext } from '../../context.ts';
import { AdminError, jsonBody, ok } from './respond.ts';

type AppParams = { Params: { appid: string } };

/** Apps: list, add, remove, rotate the secret, their token state (with a force refresh) and quotas (with a clear). */
export function appRoutes(admin: FastifyInstance, ctx: ServerContext): void {
  const known = async (appid: string): Promise<App> => {
    const app = await ctx.apps.get(appid);
    if (!app) throw new AdminError(404, `no app ${appid}`);
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
    const { appid, secret, kind } = await jsonBody(request, '{appid?, secret?, kind?}');
    if (appid !== undefined && (typeof appid !== 'string' || !APPID_PATTERN.test(appid))) throw new AdminError(400, 'appid must be 1-64 characters of [A-Za-z0-9_-]');
    checkSecret(secret);
    if (kind !== undefined && kind !== 'miniprogram' && kind !== 'official') throw new AdminError(400, 'kind must be "miniprogram" or "official"');
    if (typeof appid === 'string' && (await ctx.apps.get(appid))) throw new AdminError(409, `app ${appid} exists`);
    const made = await ctx.apps.create(
      { ...(typeof appid === 'string' ? { appid } : {}), ...(typeof secret === 'string' ? { secret } : {}), kind: kind ?? 'miniprogram' },
      nowSeconds(ctx.clock),
    );
    return ok(request, reply, { appid: made.appid, secret: made.secret, kind: made.kind });
  });

  admin.get<AppParams>(ADMIN_PATHS.app, async (request, reply) => {
    return ok(request, reply, { app: await detail(await known(request.params.appid)) });
  });

  admin.delete<AppParams>(ADMIN_PATHS.app, async (request, reply) => {
    if (!(await ctx.apps.remove(request.params.appid))) throw new AdminError(404, `no app ${request.params.appid}`);
    return ok(request, reply, { deleted: true });
  });

  admin.post<AppParams>(ADMIN_PATHS.appSecret, async (request, reply) => {
    await known(request.params.appid);
    const { secret } = await jsonBody(request, '{secret?}');
    checkSecret(secret);
    const rotated = await ctx.apps.rotateSecret(request.params.appid, typeof secret === 'string' ? secret : undefined);
    if (!rotated) throw new AdminError(404, `no app ${request.params.appid}`);
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

function checkSecret(secret: unknown): void {
  if (secret !== undefined && (typeof secret !== 'string' || secret.length < 8)) throw new AdminError(400, 'secret must be a string of at least 8 characters');
}

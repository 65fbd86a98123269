import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ADMIN_PATHS, errmsgWithRid, parseJsonObject, sameSecret, type AppKind } from '@wxmedia/protocol';
import { nowSeconds } from '../../clock.ts';
import { AdminError } from '../../errors.ts';
import { appFieldsProblem } from '../../services/app-fields.ts';
import type { ServerContext } from '../context.ts';
import { readSmallBody } from '../request.ts';
import { jsonBytes } from '../reply.ts';

/**
 * wxmedia's own API (not WeChat's), under ADMIN_PATHS, behind `Authorization: Bearer <admin key>`. Failures are
 * ADMIN_ERRORS (@wxmedia/protocol), thrown as AdminError and rendered by this plugin's one error handler; any other
 * error falls through to the server's own handler (WeChat's -1, logged with the rid).
 */
export interface AdminRouteOptions {
  /** Moves the server's clock forward; absent unless time travel is on. */
  readonly advanceClock?: (seconds: number) => void;
}

const JSON_TYPE = 'application/json; charset=utf-8';

export async function registerAdminRoutes(app: FastifyInstance, ctx: ServerContext, options: AdminRouteOptions): Promise<void> {
  await app.register(async (admin) => {
    admin.addHook('onRequest', async (request) => {
      if (!hasAdminKey(request, ctx.adminKey)) throw new AdminError('UNAUTHORIZED');
    });
    admin.setErrorHandler((error, request, reply) => {
      if (error instanceof AdminError) return sendAdminError(request, reply, error);
      throw error;
    });

    admin.get(ADMIN_PATHS.apps, async (request, reply) => {
      const apps = ctx.apps.list().map(({ appid, kind, createdAt }) => ({ appid, kind, createdAt }));
      return sendAdminOk(request, reply, { apps });
    });

    admin.post(ADMIN_PATHS.apps, async (request, reply) => {
      const body = await jsonBody(request, '{appid?, secret?, kind?}');
      const problem = appFieldsProblem(body, { required: false });
      if (problem) throw new AdminError('INVALID_APP', problem);
      const { appid, secret, kind } = body as { appid?: string; secret?: string; kind?: AppKind };
      if (appid !== undefined && (await ctx.apps.get(appid))) throw new AdminError('APP_EXISTS', appid);
      const made = await ctx.apps.create({ ...(appid !== undefined ? { appid } : {}), ...(secret !== undefined ? { secret } : {}), kind: kind ?? 'miniprogram' }, nowSeconds(ctx.clock));
      return sendAdminOk(request, reply, { appid: made.appid, secret: made.secret, kind: made.kind });
    });

    admin.delete<{ Params: { appid: string } }>(`${ADMIN_PATHS.apps}/:appid`, async (request, reply) => {
      if (!(await ctx.apps.remove(request.params.appid))) throw new AdminError('APP_NOT_FOUND', request.params.appid);
      return sendAdminOk(request, reply, { deleted: true });
    });

    admin.get<{ Querystring: { appid?: string; limit?: string } }>(ADMIN_PATHS.media, async (request, reply) => {
      const limit = Math.min(Math.max(Number(request.query.limit) || 50, 1), 1000);
      const media = await ctx.blobs.list({ limit, ...(request.query.appid ? { appid: request.query.appid } : {}) });
      return sendAdminOk(request, reply, { media });
    });

    admin.post(ADMIN_PATHS.clock, async (request, reply) => {
      if (!options.advanceClock) throw new AdminError('TIME_TRAVEL_OFF');
      const seconds = (await jsonBody(request, '{"advance": <seconds ≥ 0>}'))['advance'];
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) throw new AdminError('INVALID_CLOCK_ADVANCE');
      options.advanceClock(seconds);
      return sendAdminOk(request, reply, { now: nowSeconds(ctx.clock) });
    });
  });
}

function hasAdminKey(request: FastifyRequest, adminKey: string): boolean {
  const auth = request.headers.authorization ?? '';
  const given = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
  return given !== '' && sameSecret(given, adminKey);
}

/** A JSON object body; an empty body counts as `{}`. */
async function jsonBody(request: FastifyRequest, shape: string): Promise<Record<string, unknown>> {
  const text = await readSmallBody(request);
  const body = text === undefined ? undefined : text === '' ? {} : parseJsonObject(text);
  if (!body) throw new AdminError('BODY_NOT_OBJECT', shape);
  return body;
}

function sendAdminOk(request: FastifyRequest, reply: FastifyReply, body: object): FastifyReply {
  request.wxErrcode = 0;
  return reply.code(200).header('content-type', JSON_TYPE).send(jsonBytes({ errcode: 0, errmsg: 'ok', ...body }));
}

/** The one renderer of admin errors: HTTP status, WeChat's envelope with the rid, and the error's name. */
function sendAdminError(request: FastifyRequest, reply: FastifyReply, error: AdminError): FastifyReply {
  request.wxErrcode = error.status;
  return reply
    .code(error.status)
    .header('content-type', JSON_TYPE)
    .send(jsonBytes({ errcode: error.status, errmsg: errmsgWithRid(error.message, request.id), code: error.code }));
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ADMIN_PATHS, sameSecret, type AppKind } from '@wxmedia/protocol';
import { nowSeconds } from '../../clock.ts';
import { appFieldsProblem } from '../../services/app-fields.ts';
import type { ServerContext } from '../context.ts';
import { readSmallBody } from '../request.ts';
import { jsonBytes } from '../reply.ts';

/** wxmedia's own API (not WeChat's), under /wxmedia/admin, behind `Authorization: Bearer <admin key>`. */

interface AdminFailure {
  readonly status: number;
  readonly errmsg: string;
}

export function adminRoutes(app: FastifyInstance, ctx: ServerContext, extras: { advanceClock?: (seconds: number) => void }): void {
  const guard = async (request: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    const auth = request.headers.authorization ?? '';
    const given = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
    if (given && sameSecret(given, ctx.adminKey)) return true;
    fail(request, reply, { status: 401, errmsg: 'admin key missing or wrong (Authorization: Bearer <key from <data>/admin.key>)' });
    return false;
  };

  app.get(ADMIN_PATHS.apps, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    const apps = ctx.apps.list().map(({ appid, kind, createdAt }) => ({ appid, kind, createdAt }));
    return ok(request, reply, { apps });
  });

  app.post(ADMIN_PATHS.apps, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    const body = await jsonBody(request);
    if (!body) return fail(request, reply, { status: 400, errmsg: 'body must be a JSON object {appid?, secret?, kind?}' });
    const { appid, secret, kind } = body;
    const problem = appFieldsProblem(body, { required: false });
    if (problem) return fail(request, reply, { status: 400, errmsg: problem });
    if (typeof appid === 'string' && (await ctx.apps.get(appid))) {
      return fail(request, reply, { status: 409, errmsg: `app ${appid} exists` });
    }
    const made = await ctx.apps.create(
      { ...(typeof appid === 'string' ? { appid } : {}), ...(typeof secret === 'string' ? { secret } : {}), kind: (kind as AppKind | undefined) ?? 'miniprogram' },
      nowSeconds(ctx.clock),
    );
    return ok(request, reply, { appid: made.appid, secret: made.secret, kind: made.kind });
  });

  app.delete<{ Params: { appid: string } }>(`${ADMIN_PATHS.apps}/:appid`, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    const deleted = await ctx.apps.remove(request.params.appid);
    if (!deleted) return fail(request, reply, { status: 404, errmsg: `no app ${request.params.appid}` });
    return ok(request, reply, { deleted: true });
  });

  app.get<{ Querystring: { appid?: string; limit?: string } }>(ADMIN_PATHS.media, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    const limit = Math.min(Math.max(Number(request.query.limit) || 50, 1), 1000);
    const media = await ctx.blobs.list({ limit, ...(request.query.appid ? { appid: request.query.appid } : {}) });
    return ok(request, reply, { media });
  });

  app.post(ADMIN_PATHS.clock, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    if (!extras.advanceClock) return fail(request, reply, { status: 404, errmsg: 'time travel is off: start the server with --time-travel' });
    const body = await jsonBody(request);
    const seconds = body?.['advance'];
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
      return fail(request, reply, { status: 400, errmsg: 'body must be {"advance": <seconds ≥ 0>}' });
    }
    extras.advanceClock(seconds);
    return ok(request, reply, { now: nowSeconds(ctx.clock) });
  });
}

function ok(request: FastifyRequest, reply: FastifyReply, body: object): FastifyReply {
  request.wxErrcode = 0;
  return reply.code(200).header('content-type', 'application/json; charset=utf-8').send(jsonBytes({ errcode: 0, errmsg: 'ok', ...body }));
}

function fail(request: FastifyRequest, reply: FastifyReply, failure: AdminFailure): FastifyReply {
  request.wxErrcode = failure.status;
  return reply
    .code(failure.status)
    .header('content-type', 'application/json; charset=utf-8')
    .send(jsonBytes({ errcode: failure.status, errmsg: `${failure.errmsg} rid: ${request.id}` }));
}

async function jsonBody(request: FastifyRequest): Promise<Record<string, unknown> | undefined> {
  const text = await readSmallBody(request);
  if (text === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(text === '' ? '{}' : text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

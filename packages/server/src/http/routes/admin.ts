import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sameSecret } from '@wxmedia/protocol';
import { nowSeconds } from '../../clock.ts';
import type { AppKind } from '../../config.ts';
import { WxError, isWxError } from '../../errors.ts';
import type { ServerContext } from '../context.ts';
import { readSmallBody } from '../request.ts';
import { jsonBytes } from '../reply.ts';

/** wxmedia's own API (not WeChat's), under /wxmedia/admin, behind `Authorization: Bearer <admin key>`. */
export const ADMIN_PREFIX = '/wxmedia/admin';

const APPID = /^[A-Za-z0-9_-]{1,64}$/;

interface AdminFailure {
  readonly status: number;
  readonly errmsg: string;
  /** Default: the status. */
  readonly errcode?: number;
}

/** The subject the admin key's failed checks are counted under (per client address; see CredentialLimiter). */
const ADMIN_SUBJECT = 'wxmedia-admin';

export function adminRoutes(app: FastifyInstance, ctx: ServerContext, extras: { advanceClock?: (seconds: number) => void }): void {
  const guard = async (request: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    const auth = request.headers.authorization ?? '';
    const given = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
    let answer: Error | undefined;
    try {
      await ctx.credentials.check(ADMIN_SUBJECT, request.ip);
      if (given && sameSecret(given, ctx.adminKey)) return true;
      // Only a key that was given and is wrong counts as a guess; a request without one is not.
      if (given) answer = await ctx.credentials.fail(ADMIN_SUBJECT, request.ip, new WxError('INVALID_CREDENTIAL'));
    } catch (e) {
      answer = e as Error;
    }
    if (isWxError(answer) && answer.code === 'MINUTE_QUOTA') {
      reply.header('retry-after', String(ctx.credentials.secondsLeft()));
      fail(request, reply, { status: 429, errcode: answer.errcode, errmsg: 'too many wrong admin keys from this address: retry next minute' });
      return false;
    }
    if (answer !== undefined && !isWxError(answer)) throw answer;
    fail(request, reply, { status: 401, errmsg: 'admin key missing or wrong (Authorization: Bearer <key from <data>/admin.key>)' });
    return false;
  };

  app.get(`${ADMIN_PREFIX}/apps`, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    const apps = ctx.apps.list().map(({ appid, kind, createdAt }) => ({ appid, kind, createdAt }));
    return ok(request, reply, { apps });
  });

  app.post(`${ADMIN_PREFIX}/apps`, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    const body = await jsonBody(request);
    if (!body) return fail(request, reply, { status: 400, errmsg: 'body must be a JSON object {appid?, secret?, kind?}' });
    const { appid, secret, kind } = body;
    if (appid !== undefined && (typeof appid !== 'string' || !APPID.test(appid))) {
      return fail(request, reply, { status: 400, errmsg: 'appid must be 1-64 characters of [A-Za-z0-9_-]' });
    }
    if (secret !== undefined && (typeof secret !== 'string' || secret.length < 8)) {
      return fail(request, reply, { status: 400, errmsg: 'secret must be a string of at least 8 characters' });
    }
    if (kind !== undefined && kind !== 'miniprogram' && kind !== 'official') {
      return fail(request, reply, { status: 400, errmsg: 'kind must be "miniprogram" or "official"' });
    }
    if (typeof appid === 'string' && (await ctx.apps.get(appid))) {
      return fail(request, reply, { status: 409, errmsg: `app ${appid} exists` });
    }
    const made = await ctx.apps.create(
      { ...(typeof appid === 'string' ? { appid } : {}), ...(typeof secret === 'string' ? { secret } : {}), kind: (kind as AppKind | undefined) ?? 'miniprogram' },
      nowSeconds(ctx.clock),
    );
    return ok(request, reply, { appid: made.appid, secret: made.secret, kind: made.kind });
  });

  app.delete<{ Params: { appid: string } }>(`${ADMIN_PREFIX}/apps/:appid`, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    const deleted = await ctx.apps.remove(request.params.appid);
    if (!deleted) return fail(request, reply, { status: 404, errmsg: `no app ${request.params.appid}` });
    return ok(request, reply, { deleted: true });
  });

  app.get<{ Querystring: { appid?: string; limit?: string } }>(`${ADMIN_PREFIX}/media`, async (request, reply) => {
    if (!(await guard(request, reply))) return reply;
    const limit = Math.min(Math.max(Number(request.query.limit) || 50, 1), 1000);
    const media = await ctx.blobs.list({ limit, ...(request.query.appid ? { appid: request.query.appid } : {}) });
    return ok(request, reply, { media });
  });

  app.post(`${ADMIN_PREFIX}/clock`, async (request, reply) => {
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
  const errcode = failure.errcode ?? failure.status;
  request.wxErrcode = errcode;
  return reply
    .code(failure.status)
    .header('content-type', 'application/json; charset=utf-8')
    .send(jsonBytes({ errcode, errmsg: `${failure.errmsg} rid: ${request.id}` }));
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

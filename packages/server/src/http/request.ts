import type { FastifyRequest } from 'fastify';
import { parseJsonObject } from '@wxmedia/protocol';
import { WxError } from '../errors.ts';
import type { App } from '../services/apps.ts';
import { requestBody } from './body.ts';
import type { ServerContext } from './context.ts';
import { bodyWithheld, continueBody } from './expect-continue.ts';
import { applyFault } from './faults.ts';

/**
 * The first value of a query parameter. Duplicated parameters (`?type=image&type=video`) are answered by the first,
 * so one request never means two things.
 */
export function queryParam(request: FastifyRequest, name: string): string | undefined {
  const q = request.query as Record<string, string | string[] | undefined>;
  const v = q[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Errors with which a request's stream ends when its client resets or closes the connection mid-request. */
const CONNECTION_LOST = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

/**
 * True when `error` is the client's connection ending under the request, and that connection is indeed gone: the
 * client's network, not a fault of the server (whose own connection errors, e.g. to Redis, leave the client's
 * socket alive).
 */
export function clientGone(error: unknown, request: FastifyRequest): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && CONNECTION_LOST.has(code) && (request.raw.destroyed || request.raw.socket?.destroyed === true);
}

/** 43001/43002 unless the request uses one of `methods`. */
export function requireMethod(request: FastifyRequest, methods: readonly string[]): void {
  if (methods.includes(request.method)) return;
  throw new WxError(methods.includes('POST') ? 'REQUIRE_POST' : 'REQUIRE_GET', request.method);
}

/**
 * The app behind `?access_token=` (a token in a header or the body is ignored, as WeChat does): 41001/40014/40001/42001.
 * Then any injected fault for this app and API fires.
 */
export async function authenticate(request: FastifyRequest, ctx: ServerContext): Promise<App> {
  const token = queryParam(request, 'access_token');
  if (!token) throw new WxError('ACCESS_TOKEN_MISSING');
  const app = await ctx.tokens.verify(token);
  await applyFault(request, ctx, app.appid);
  return app;
}

const JSON_BODY_LIMIT = 64 * 1024;

/** Reads a small request body whole, as text. Undefined when it is over the limit (the rest is discarded). */
export async function readSmallBody(request: FastifyRequest, limit = JSON_BODY_LIMIT): Promise<string | undefined> {
  continueBody(request.raw);
  const it = requestBody(request);
  const chunks: Buffer[] = [];
  let total = 0;
  for (let r = await it.next(); !r.done; r = await it.next()) {
    total += r.value.length;
    if (total > limit) {
      await discard(it, total, 8 * 1024 * 1024);
      return undefined;
    }
    chunks.push(r.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A JSON object body, or WxError: `empty` for no body, `invalid` for anything that is not a JSON object.
 * The caller picks the errcodes, because WeChat's differ by endpoint (stable_token: 43002; others: 44002/47001).
 */
export async function readJsonObject(
  request: FastifyRequest,
  errors: { empty: WxError; invalid: WxError },
): Promise<Record<string, unknown>> {
  const text = await readSmallBody(request);
  if (text === undefined) throw errors.invalid;
  if (text.trim() === '') throw errors.empty;
  const body = parseJsonObject(text);
  if (!body) throw errors.invalid;
  return body;
}

/** How much of a body is read and discarded after an error (beyond what the route accepts) before the connection is
 * closed instead. */
export const DRAIN_ALLOWANCE = 16 * 1024 * 1024;

/**
 * Reads and discards the rest of a request body, so an early error reply reaches a client that is still sending
 * (curl reports a reset otherwise) and a kept-alive connection stays usable. False past `limit` bytes or on a
 * failed read: the caller then closes the connection after replying.
 */
export async function drain(request: FastifyRequest, limit: number): Promise<boolean> {
  const raw = request.raw;
  const body = requestBody(request);
  if (body.ended || raw.destroyed || bodyWithheld(raw)) return true;
  return discard(body, 0, limit);
}

/** Pulls and drops chunks until the end; false once more than `limit` bytes were seen in all, or on a failed read. */
async function discard(it: AsyncIterator<Buffer>, seen: number, limit: number): Promise<boolean> {
  let total = seen;
  try {
    for (;;) {
      const r = await it.next();
      if (r.done) return true;
      total += r.value.length;
      if (total > limit) return false;
    }
  } catch {
    return false;
  }
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import { readSmallBody } from '../../request.ts';
import { jsonBytes } from '../../reply.ts';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * A refusal of the admin API: HTTP `status` and `{errcode, errmsg: "<message> rid: <rid>"}`, errcode being the
 * status unless given (429 carries WeChat's 45011). Thrown by the admin routes and rendered in one place (the admin
 * plugin's error handler).
 */
export class AdminError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 409 | 429,
    message: string,
    readonly extra: { readonly errcode?: number; readonly retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

export function sendAdminError(request: FastifyRequest, reply: FastifyReply, error: AdminError): FastifyReply {
  const errcode = error.extra.errcode ?? error.status;
  request.wxErrcode = errcode;
  if (error.extra.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.extra.retryAfterSeconds));
  return reply
    .code(error.status)
    .header('content-type', JSON_TYPE)
    .send(jsonBytes({ errcode, errmsg: `${error.message} rid: ${request.id}` }));
}

/** A success: `{errcode: 0, errmsg: "ok", ...body}`. */
export function ok(request: FastifyRequest, reply: FastifyReply, body: object = {}): FastifyReply {
  request.wxErrcode = 0;
  return reply.code(200).header('content-type', JSON_TYPE).send(jsonBytes({ errcode: 0, errmsg: 'ok', ...body }));
}

/** The request's JSON object body (an empty body is `{}`), or AdminError 400 saying what was expected. */
export async function jsonBody(request: FastifyRequest, expected: string): Promise<Record<string, unknown>> {
  const text = await readSmallBody(request);
  let value: unknown;
  try {
    value = text === undefined ? undefined : JSON.parse(text.trim() === '' ? '{}' : text);
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AdminError(400, `body must be a JSON object ${expected}`);
  return value as Record<string, unknown>;
}

/** A positive integer query parameter, clamped to [1, max]; `fallback` when absent or not a number. */
export function intParam(value: unknown, fallback: number, max: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n >= 1 ? Math.min(Math.floor(n), max) : fallback;
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import { errmsgWithRid, parseJsonObject } from '@wxmedia/protocol';
import { AdminError } from '../../../errors.ts';
import { readSmallBody } from '../../request.ts';
import { jsonBytes } from '../../reply.ts';

/**
 * How the admin API answers: a success is `{errcode: 0, errmsg: "ok", …}`; a failure is an AdminError (an
 * ADMIN_ERRORS entry, @wxmedia/protocol), rendered by sendAdminError from the admin plugin's one error handler.
 */
const JSON_TYPE = 'application/json; charset=utf-8';

/** The one renderer of admin errors: the HTTP status, WeChat's envelope with the rid, and the error's name. */
export function sendAdminError(request: FastifyRequest, reply: FastifyReply, error: AdminError): FastifyReply {
  request.wxErrcode = error.errcode;
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  return reply
    .code(error.status)
    .header('content-type', JSON_TYPE)
    .send(jsonBytes({ errcode: error.errcode, errmsg: errmsgWithRid(error.message, request.id), code: error.code }));
}

/** A success: `{errcode: 0, errmsg: "ok", ...body}`. */
export function ok(request: FastifyRequest, reply: FastifyReply, body: object = {}): FastifyReply {
  request.wxErrcode = 0;
  return reply.code(200).header('content-type', JSON_TYPE).send(jsonBytes({ errcode: 0, errmsg: 'ok', ...body }));
}

/** The request's JSON object body (an empty body is `{}`), or BODY_NOT_OBJECT saying what was expected. */
export async function jsonBody(request: FastifyRequest, expected: string): Promise<Record<string, unknown>> {
  const text = await readSmallBody(request);
  const body = text === undefined ? undefined : text.trim() === '' ? {} : parseJsonObject(text);
  if (!body) throw new AdminError('BODY_NOT_OBJECT', expected);
  return body;
}

/** A positive integer query parameter, clamped to [1, max]; `fallback` when absent or not a number. */
export function intParam(value: unknown, fallback: number, max: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n >= 1 ? Math.min(Math.floor(n), max) : fallback;
}

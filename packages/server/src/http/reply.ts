import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERRCODES, errmsgWithRid, type ErrorEnvelope } from '@wxmedia/protocol';
import type { WxError } from '../errors.ts';
import type { ServerContext } from './context.ts';

/** The Content-Type of a JSON reply to this request (config ContentTypes; media routes default to text/plain). */
export function jsonContentType(request: FastifyRequest, ctx: ServerContext): string {
  return request.routeOptions.config?.group === 'media' ? ctx.options.contentTypes.media : ctx.options.contentTypes.api;
}

/** Sends a JSON success body (HTTP 200). */
export function sendJson(request: FastifyRequest, reply: FastifyReply, ctx: ServerContext, body: object): FastifyReply {
  request.wxErrcode = 0;
  return reply.code(200).header('content-type', jsonContentType(request, ctx)).send(JSON.stringify(body));
}

/** WeChat's error envelope: HTTP 200, `{errcode, errmsg: "<text> rid: <rid>"}`. */
export function errorEnvelope(error: Pick<WxError, 'errcode' | 'errmsg'>, rid: string): ErrorEnvelope {
  return { errcode: error.errcode, errmsg: errmsgWithRid(error.errmsg, rid) };
}

export function sendError(request: FastifyRequest, reply: FastifyReply, ctx: ServerContext, error: Pick<WxError, 'errcode' | 'errmsg'>): FastifyReply {
  request.wxErrcode = error.errcode;
  return reply
    .code(200)
    .header('content-type', jsonContentType(request, ctx))
    .send(JSON.stringify(errorEnvelope(error, request.id)));
}

export const SYSTEM_ERROR = ERRCODES.SYSTEM_ERROR;

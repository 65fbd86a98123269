import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorEnvelope, type ErrcodeInfo } from '@wxmedia/protocol';
import type { ServerContext } from './context.ts';

/** The Content-Type of a JSON reply to this request (config ContentTypes; media routes default to text/plain). */
export function jsonContentType(request: FastifyRequest, ctx: ServerContext): string {
  return request.routeOptions.config?.group === 'media' ? ctx.options.contentTypes.media : ctx.options.contentTypes.api;
}

/** Sends a JSON success body (HTTP 200). */
export function sendJson(request: FastifyRequest, reply: FastifyReply, ctx: ServerContext, body: object): FastifyReply {
  request.wxErrcode = 0;
  return reply.code(200).header('content-type', jsonContentType(request, ctx)).send(jsonBytes(body));
}

/** A Buffer, not a string: Fastify rewrites the Content-Type of string payloads (adding a charset) and WeChat's
 * exact header values matter to clients that compare them. */
export function jsonBytes(body: object): Buffer {
  return Buffer.from(JSON.stringify(body), 'utf8');
}

/** A WeChat error (a WxError or an ERRCODES entry): WeChat's envelope with this request's rid, as HTTP 200 like every
 * WeChat error; `status` only for HTTP-level trouble (docs/errcodes.md). */
export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: ServerContext,
  error: Pick<ErrcodeInfo, 'errcode' | 'errmsg'>,
  options: { status?: number } = {},
): FastifyReply {
  request.wxErrcode = error.errcode;
  return reply
    .code(options.status ?? 200)
    .header('content-type', jsonContentType(request, ctx))
    .send(jsonBytes(errorEnvelope(error, request.id)));
}

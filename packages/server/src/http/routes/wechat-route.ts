import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { App } from '../../services/apps.ts';
import type { ReplyGroup, ServerContext } from '../context.ts';
import { DRAIN_ALLOWANCE, authenticate, drain, requireMethod } from '../request.ts';

/**
 * Every route answers every method itself, so a wrong method gets WeChat's 43001/43002 rather than a 404.
 * (HEAD is registered explicitly; Fastify's automatic HEAD routes are off.)
 */
export const ALL_METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

/** One of WeChat's endpoints. */
export interface WechatEndpoint {
  /** One of PATHS (@wxmedia/protocol). */
  readonly path: string;
  /** The methods it serves; any other is answered 43002 when POST is among them, else 43001. */
  readonly methods: readonly ('GET' | 'HEAD' | 'POST')[];
  /** Which Content-Type its JSON replies carry (ContentTypes: `media` or `api`). */
  readonly group: ReplyGroup;
}

/** Runs once the preamble passed; throws WxError for WeChat's errors (rendered by http/app.ts). */
export type WechatHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

/** Registers one of WeChat's endpoints: the method check every such route starts with, then its handler. */
export function wechatRoute(app: FastifyInstance, endpoint: WechatEndpoint, handler: WechatHandler): void {
  app.route({
    method: ALL_METHODS,
    url: endpoint.path,
    config: { group: endpoint.group, wechat: 'https' },
    handler: async (request, reply) => {
      requireMethod(request, endpoint.methods);
      return handler(request, reply);
    },
  });
}

/**
 * An endpoint that takes `?access_token=`: after the method, the token (41001/40014/40001/42001) names the caller
 * (and any injected fault for it fires: http/faults.ts).
 */
export function authenticatedRoute(
  app: FastifyInstance,
  ctx: ServerContext,
  endpoint: WechatEndpoint,
  handler: (request: FastifyRequest, reply: FastifyReply, caller: App) => Promise<FastifyReply>,
): void {
  wechatRoute(app, endpoint, async (request, reply) => {
    try {
      return await handler(request, reply, await authenticate(request, ctx));
    } catch (e) {
      // Refused before the route read the body (a token, the quota, the type of an upload): the client may still
      // be sending it. Read it (bounded) so the errcode reaches the client instead of a broken pipe and a
      // kept-alive connection stays usable; past the bound, close the connection after replying. A route that
      // already gave up on its body has said so (connection: close): nothing more is read then.
      if (reply.getHeader('connection') !== 'close' && !(await drain(request, DRAIN_ALLOWANCE))) reply.header('connection', 'close');
      throw e;
    }
  });
}

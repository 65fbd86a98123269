import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { newRid, redact } from '@wxmedia/protocol';
import { nowSeconds } from '../clock.ts';
import { ConnectionDropped, WxError, isWxError } from '../errors.ts';
import type { ServerContext } from './context.ts';
import { bodyWithheld, installExpectContinue } from './expect-continue.ts';
import { finishCall, installCallObservation } from './observe.ts';
import { errorEnvelope, sendError, SYSTEM_ERROR } from './reply.ts';

/** Every route each app registered (method and URL), for the OpenAPI test: the document must describe them all. */
const ROUTES = new WeakMap<FastifyInstance, { method: string; url: string }[]>();

export function routesOf(app: FastifyInstance): readonly { method: string; url: string }[] {
  return ROUTES.get(app) ?? [];
}

/** Largest request line + headers Node accepts (its default): beyond it the client gets 431 and the envelope. */
const MAX_HEADER_BYTES = 16 * 1024;

/**
 * The Fastify instance with WeChat's conventions: every request gets a rid (first group: Unix time in hex) and one
 * access-log line with tokens redacted; every failure is HTTP 200 + `{errcode, errmsg}`; bodies are never parsed
 * by Fastify (routes stream them), so no framework error can leak a stack trace or a 4xx page.
 */
export function buildHttpApp(ctx: ServerContext): FastifyInstance {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    // Fastify's own request lines would log the URL with its access_token: the onResponse hook logs a redacted one.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'rid' }),
    genReqId: () => newRid(nowSeconds(ctx.clock)),
    exposeHeadRoutes: false,
    routerOptions: { maxParamLength: 200 },
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    // A connection whose request headers never finish is closed, not kept forever.
    requestTimeout: 120_000,
    return503OnClosing: true,
    clientErrorHandler: (err, socket) => {
      // Malformed HTTP or oversized headers: answered in WeChat's envelope, never Node's bare 400.
      const status = (err as NodeJS.ErrnoException).code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      const body = JSON.stringify(errorEnvelope(SYSTEM_ERROR, newRid(nowSeconds(ctx.clock))));
      if (socket.writable) {
        socket.end(
          `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
            `Content-Type: ${ctx.options.contentTypes.api}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      } else {
        socket.destroy();
      }
      ctx.logger.info({ status, code: (err as NodeJS.ErrnoException).code }, 'client error');
    },
    frameworkErrors: (error, request, reply) => {
      // e.g. a URL with broken percent-encoding.
      ctx.logger.info({ rid: request.id, code: error.code }, 'framework error');
      return sendError(request, reply, ctx, new WxError('INVALID_URL', error.code));
    },
  });

  // A client that half-closes after sending its request (e.g. `nc -N`) still gets its reply; Node's default
  // aborts the request on the client's FIN. (`httpAllowHalfOpen` is a public field of http.Server that @types/node
  // leaves out.)
  (app.server as typeof app.server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  installExpectContinue(app.server);
  app.addHook('onSend', async (request, reply) => {
    if (bodyWithheld(request.raw)) reply.header('connection', 'close');
  });

  app.decorateRequest('wxErrcode', undefined);
  app.decorateRequest('wxDetail', undefined);
  app.decorateRequest('wxAppid', undefined);
  // Routes read bodies themselves, as streams, with their own limits and errcodes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  installCallObservation(app, ctx);
  const routes: { method: string; url: string }[] = [];
  ROUTES.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof ConnectionDropped) {
      // An injected fault: close the socket without a word, as a failing network would.
      if (request.wxCall) request.wxCall.dropped = true;
      request.log.info({ fault: error.fault }, 'connection dropped by fault');
      reply.hijack();
      request.raw.socket?.destroy();
      finishCall(request, reply, ctx);
      return;
    }
    if (isWxError(error)) {
      if (request.wxCall) request.wxCall.reason = error.detail ? `${error.errmsg}: ${error.detail}` : error.errmsg;
      return sendError(request, reply, ctx, error);
    }
    if (request.wxCall) request.wxCall.reason = 'internal error (see the server log for this rid)';
    // Unexpected: logged with the rid (redacted), answered as WeChat's generic -1, never echoed.
    request.log.error({ err: { message: redact(String((error as Error).message)), stack: (error as Error).stack } }, 'internal error');
    return sendError(request, reply, ctx, new WxError('SYSTEM_ERROR'));
  });

  app.setNotFoundHandler((request, reply) => sendError(request, reply, ctx, new WxError('INVALID_URL', request.url.split('?')[0])));

  // One line per request at info, the default level: a failed WeChat call also says for which app and why (the
  // reason WeChat's envelope leaves out), so a user can look a rid up without turning on debug logging.
  app.addHook('onResponse', async (request, reply) => {
    const failed = request.wxErrcode !== undefined && request.wxErrcode !== 0;
    const call = request.wxCall;
    request.log.info(
      {
        method: request.method,
        url: redact(request.url),
        status: reply.statusCode,
        errcode: request.wxErrcode,
        ...(call?.appid ? { appid: call.appid } : {}),
        ...(failed && call?.reason ? { detail: redact(call.reason) } : {}),
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });

  return app;
}

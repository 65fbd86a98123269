import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ERRCODES, newRid, redact, redactUrl } from '@wxmedia/protocol';
import { nowSeconds } from '../clock.ts';
import { ConnectionDropped, WxError, isWxError, logInternalError } from '../errors.ts';
import { BodyTimeoutError } from './body.ts';
import { limitConnections } from './connection-limit.ts';
import type { ServerContext } from './context.ts';
import { bodyWithheld, installExpectContinue } from './expect-continue.ts';
import { finishCall, startCall } from './observe.ts';
import { endWithEnvelope } from './raw-reply.ts';
import { sendError } from './reply.ts';
import { clientGone } from './request.ts';

/** Every route each app registered (method and URL), for the OpenAPI test: the document must describe them all. */
const ROUTES = new WeakMap<FastifyInstance, { method: string; url: string }[]>();

export function routesOf(app: FastifyInstance): readonly { method: string; url: string }[] {
  return ROUTES.get(app) ?? [];
}

/** Largest request line + headers Node accepts (its default): beyond it the client gets 431 and the envelope. */
const MAX_HEADER_BYTES = 16 * 1024;
/** Node checks the headers timeout on an interval: at most this late. */
const MAX_TIMEOUT_CHECK_MS = 1_000;
/** A connection over --max-connections is told to come back after this many seconds. */
const RETRY_AFTER_SECONDS = 1;
/** The warning that the connection limit is reached is logged at most this often. */
const LIMIT_WARNING_INTERVAL_MS = 60_000;

/**
 * The Fastify instance with WeChat's conventions: every request gets a rid (first group: Unix time in hex) and one
 * access-log line with tokens redacted; every WeChat error is HTTP 200 + `{errcode, errmsg}`, and the few
 * HTTP-level answers (docs/errcodes.md) carry the same envelope; bodies are never parsed by Fastify (routes stream
 * them), so no framework error can leak a stack trace or a 4xx page.
 */
export function buildHttpApp(ctx: ServerContext): FastifyInstance {
  const { headersSeconds, idleSeconds, minBodyBytesPerSecond } = ctx.options.timeouts;
  const headersMs = Math.round(headersSeconds * 1000);
  const idleMs = Math.round(idleSeconds * 1000);
  const checkMs = Math.max(10, Math.min(MAX_TIMEOUT_CHECK_MS, Math.round(headersMs / 10)));
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    // Fastify's own request lines would log the URL with its access_token: the onResponse hook logs a redacted one.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'rid' }),
    genReqId: () => newRid(nowSeconds(ctx.clock)),
    exposeHeadRoutes: false,
    routerOptions: { maxParamLength: 200 },
    http: {
      maxHeaderSize: MAX_HEADER_BYTES,
      headersTimeout: headersMs,
      // Node enforces headersTimeout only when it checks, every 30 s by default (a 60 s timeout then fires after
      // up to 90 s): check often enough that the configured value is the effective one.
      connectionsCheckingInterval: checkMs,
    },
    // No cap on a whole request: bodies are bounded by idle time and rate (body.ts), headers by headersTimeout.
    requestTimeout: 0,
    // The backstop for what neither bound covers (a download the client stopped reading, a body no route reads):
    // a connection on which nothing moves either way for longer than both is closed. Not shorter: Node closes an
    // inactive socket without a word, and slow headers and bodies deserve their 408.
    connectionTimeout: Math.max(headersMs, idleMs) + 2 * checkMs,
    // Requests that arrive while the server closes get the envelope from the onRequest hook below, not Fastify's.
    return503OnClosing: false,
    clientErrorHandler: (err, socket) => {
      // Malformed HTTP, oversized or too slow headers: answered in WeChat's envelope, never Node's bare status line.
      const code = (err as NodeJS.ErrnoException).code;
      const status = code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      const rid = newRid(nowSeconds(ctx.clock));
      endWithEnvelope(socket, { status, error: ERRCODES.SYSTEM_ERROR, rid, contentType: ctx.options.contentTypes.api }, { owned: false });
      ctx.logger.info({ rid, status, code }, 'client error');
    },
    frameworkErrors: (error, request, reply) => {
      // e.g. a URL with broken percent-encoding.
      ctx.logger.info({ rid: request.id, code: error.code }, 'framework error');
      return sendError(request, reply, ctx, new WxError('INVALID_URL', error.code));
    },
  });
  app.decorate('wxBodyLimits', { idleMs, minBytesPerSecond: minBodyBytesPerSecond });

  // A client that half-closes after sending its request (e.g. `nc -N`) still gets its reply; Node's default
  // aborts the request on the client's FIN. (`httpAllowHalfOpen` is a public field of http.Server that @types/node
  // leaves out.)
  (app.server as typeof app.server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  installExpectContinue(app.server);
  installConnectionLimit(app, ctx);
  // CONNECT asks to open a tunnel, which Node hands to 'connect' listeners only (with none, it closes the socket
  // without a word). Answered like any method this server does not route, but 405: a 2xx to CONNECT would tell
  // the client its tunnel is open (RFC 9110 §9.3.6).
  app.server.on('connect', (req, socket) => {
    const rid = newRid(nowSeconds(ctx.clock));
    endWithEnvelope(socket, { status: 405, error: ERRCODES.INVALID_URL, rid, contentType: ctx.options.contentTypes.api }, { owned: true });
    ctx.logger.info({ rid, method: req.method, url: redactUrl(req.url ?? ''), status: 405, errcode: ERRCODES.INVALID_URL.errcode }, 'request');
  });

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // One hook of each kind for everything done per request (this onRequest, the onSend below and the onResponse
  // further down), not one per concern. Async, as elsewhere: callback-style hooks measured no different.
  app.addHook('onRequest', async (request, reply) => {
    if (closing) {
      // A request on a kept-alive connection after close() began: the load balancer should send it elsewhere.
      reply.header('connection', 'close').header('retry-after', String(RETRY_AFTER_SECONDS));
      return sendError(request, reply, ctx, ERRCODES.SYSTEM_ERROR, { status: 503 });
    }
    // Routes judge Content-Type themselves (41005 for an upload that is not multipart, in WeChat's order of checks);
    // Fastify would answer a value that is not a media type (empty, `;`, `/`) with its own 415 before any route
    // runs. Such a header says nothing, so it is treated as absent.
    const type = request.headers['content-type'];
    if (type !== undefined && !MEDIA_TYPE.test(type.split(';', 1)[0]!)) delete request.raw.headers['content-type'];
    // A WeChat API call waits for the emulator's controls (observe.ts); a failed sync goes to the error handler.
    const synced = startCall(request, ctx);
    if (synced) await synced;
  });
  app.addHook('onSend', async (request, reply) => {
    if (bodyWithheld(request.raw)) reply.header('connection', 'close');
  });

  app.decorateRequest('wxErrcode', undefined);
  app.decorateRequest('wxDetail', undefined);
  app.decorateRequest('wxAppid', undefined);
  // Routes read bodies themselves, as streams, with their own limits and errcodes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  app.decorateRequest('wxCall', undefined);
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
    if (error instanceof BodyTimeoutError) {
      // The client's pace, not a fault here: 408 as for slow headers, and the connection closes (the rest of the
      // body will not be waited for).
      request.log.info({ reason: error.reason, bytes: request.raw.socket?.bytesRead }, 'request body too slow');
      if (request.wxCall) request.wxCall.reason = error.message;
      reply.header('connection', 'close');
      return sendError(request, reply, ctx, ERRCODES.SYSTEM_ERROR, { status: 408 });
    }
    if (clientGone(error, request)) {
      // The client's network, not a fault here: nobody is left to answer, and error-level alerts must not fire.
      request.log.info({ code: (error as NodeJS.ErrnoException).code }, 'client went away before the reply');
      if (request.wxCall) request.wxCall.reason = 'the client closed the connection';
      return sendError(request, reply, ctx, ERRCODES.SYSTEM_ERROR);
    }
    if (request.wxCall) request.wxCall.reason = 'internal error (see the server log for this rid)';
    // Unexpected: logged with the rid (redacted), answered as WeChat's generic -1, never echoed.
    logInternalError(request.log, error);
    return sendError(request, reply, ctx, ERRCODES.SYSTEM_ERROR);
  });

  // The detail names what was asked for; a target's query may begin at `#` as well as `?` (redactUrl splits as the
  // router does).
  app.setNotFoundHandler((request, reply) => sendError(request, reply, ctx, new WxError('INVALID_URL', redactUrl(request.url))));

  app.addHook('onResponse', async (request, reply) => {
    finishCall(request, reply, ctx);
    logRequest(request, reply, ctx);
  });

  return app;
}

/**
 * One line per request at info, the default level: a failed WeChat call also says for which app and why (the
 * reason WeChat's envelope leaves out), so a user can look a rid up without turning on debug logging.
 */
function logRequest(request: FastifyRequest, reply: FastifyReply, ctx: ServerContext): void {
  // Below info (e.g. --log-level warn), skip building the line: its redaction runs for every request.
  if (!ctx.logger.isLevelEnabled('info')) return;
  const failed = request.wxErrcode !== undefined && request.wxErrcode !== 0;
  const call = request.wxCall;
  request.log.info(
    {
      method: request.method,
      url: redactUrl(request.url),
      status: reply.statusCode,
      errcode: request.wxErrcode,
      ...(call?.appid ? { appid: call.appid } : {}),
      ...(failed && call?.reason ? { detail: redact(call.reason) } : {}),
      ms: Math.round(reply.elapsedTime),
    },
    'request',
  );
}

/** `type/subtype` as RFC 9110 defines it (what Fastify accepts), with optional whitespace around. */
const MEDIA_TYPE = /^\s*[\w!#$%&'*+.^`|~-]+\/[\w!#$%&'*+.^`|~-]+\s*$/;

function installConnectionLimit(app: FastifyInstance, ctx: ServerContext): void {
  const max = ctx.options.maxConnections;
  let warnedAt = -Infinity;
  let refused = 0;
  limitConnections(app.server, max, (socket, open) => {
    refused += 1;
    const rid = newRid(nowSeconds(ctx.clock));
    const contentType = ctx.options.contentTypes.api;
    endWithEnvelope(socket, { status: 503, error: ERRCODES.SYSTEM_ERROR, rid, contentType, headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } }, { owned: true });
    if (Date.now() - warnedAt >= LIMIT_WARNING_INTERVAL_MS) {
      ctx.logger.warn({ rid, open, max, refused }, 'connection limit reached: new connections are answered 503 (--max-connections)');
      warnedAt = Date.now();
      refused = 0;
    }
  });
}

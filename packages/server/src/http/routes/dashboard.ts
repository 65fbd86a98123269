import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { DASHBOARD_PATH } from '@wxmedia/protocol';
import { DASHBOARD_DIR, dashboardBuilt } from '@wxmedia/dashboard';

/**
 * The dashboard's static files (built by Vite in @wxmedia/dashboard) at /wxmedia/dashboard/. They hold no data:
 * the page asks the admin API for everything, with the key (so they need none themselves). A strict Content
 * Security Policy: scripts, styles and connections to this origin only, images from blob: URLs it makes.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  if (!dashboardBuilt()) {
    // A checkout whose dashboard was never built: say how to build it rather than 404.
    app.route({ method: ['GET', 'HEAD'], url: `${DASHBOARD_PATH}*`, handler: async (request, reply) => {
      request.wxErrcode = 503;
      return reply
        .code(503)
        .header('content-type', 'text/plain; charset=utf-8')
        .send('The wxmedia dashboard is not built: run `npm run build -w @wxmedia/dashboard` (npm install does it).\n');
    } });
    return;
  }
  await app.register(fastifyStatic, {
    root: DASHBOARD_DIR,
    prefix: DASHBOARD_PATH,
    index: ['index.html'],
    wildcard: true,
    // Hashed asset names change with every build; index.html must be re-read.
    cacheControl: false,
    setHeaders: (reply, path) => {
      reply.header('content-security-policy', CSP);
      reply.header('referrer-policy', 'no-referrer');
      reply.header('x-content-type-options', 'nosniff');
      reply.header('cache-control', path.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
    },
  });
}

import type { FastifyInstance } from 'fastify';
import { HEALTH_PATH } from '@wxmedia/protocol';

/** GET /healthz: 200 once the server is listening (stores opened, apps loaded). */
export function healthRoute(app: FastifyInstance): void {
  app.get(HEALTH_PATH, async (request, reply) => {
    request.wxErrcode = 0;
    return reply.header('content-type', 'application/json; charset=utf-8').send('{"status":"ok"}');
  });
}

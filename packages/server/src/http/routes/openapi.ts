import type { FastifyInstance } from 'fastify';
import { OPENAPI_PATH } from '@wxmedia/protocol';
import { OPENAPI_DOCUMENT } from '../openapi/document.ts';

/** GET /wxmedia/openapi.json: the OpenAPI 3.1 description of every route (public: it holds no secret). */
export function openapiRoute(app: FastifyInstance): void {
  const body = JSON.stringify(OPENAPI_DOCUMENT);
  app.get(OPENAPI_PATH, async (request, reply) => {
    request.wxErrcode = 0;
    return reply.header('content-type', 'application/json; charset=utf-8').send(body);
  });
}

import type { HTTPMethods } from 'fastify';

/**
 * Every route answers every method itself, so a wrong method gets WeChat's 43001/43002 rather than a 404.
 * (HEAD is registered explicitly; Fastify's automatic HEAD routes are off.)
 */
export const ALL_METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

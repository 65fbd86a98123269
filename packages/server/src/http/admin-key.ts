import type { FastifyRequest } from 'fastify';
import { sameSecret } from '@wxmedia/protocol';

/**
 * Whether the request carries the admin key as `Authorization: Bearer <key>` (compared in constant time). The key
 * is accepted in that header only, never in the URL, so it cannot reach an access log.
 */
export function hasAdminKey(request: FastifyRequest, adminKey: string): boolean {
  const auth = request.headers.authorization ?? '';
  const given = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
  return given !== '' && sameSecret(given, adminKey);
}

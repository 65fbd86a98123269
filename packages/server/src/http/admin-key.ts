import type { FastifyRequest } from 'fastify';
import { sameSecret } from '@wxmedia/protocol';
import { isWxError } from '../errors.ts';
import type { ServerContext } from './context.ts';

/** The subject wrong admin keys are counted under, per client address (CredentialLimiter). */
const ADMIN_SUBJECT = 'wxmedia-admin';

/**
 * Whether the request carries the admin key as `Authorization: Bearer <key>` (compared in constant time). The key
 * is accepted in that header only, never in the URL, so it cannot reach an access log.
 *
 * A wrong key is a failed credential check of the client's address: past the limit for the minute the address is
 * `locked` (even with the right key) until the minute ends. A request without any key is not a guess.
 */
export async function checkAdminKey(request: FastifyRequest, ctx: Pick<ServerContext, 'adminKey' | 'credentials'>): Promise<'ok' | 'wrong' | 'locked'> {
  const auth = request.headers.authorization ?? '';
  const given = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
  try {
    await ctx.credentials.check(ADMIN_SUBJECT, request.ip);
    if (given !== '' && sameSecret(given, ctx.adminKey)) return 'ok';
    if (given === '') return 'wrong';
    const answer = await ctx.credentials.fail(ADMIN_SUBJECT, request.ip, new Error('wrong admin key'));
    return isWxError(answer) ? 'locked' : 'wrong';
  } catch (e) {
    if (isWxError(e)) return 'locked';
    throw e;
  }
}

import type { FastifyRequest } from 'fastify';
import { WxError } from '../../errors.ts';
import type { App } from '../../services/apps.ts';
import type { ServerContext } from '../context.ts';

/**
 * The checks /cgi-bin/token and /cgi-bin/stable_token share, in WeChat's order: grant_type (40002), appid missing
 * (41002) or unknown (40013) — the appid is checked before the secret — then secret missing (41004) or wrong (40125).
 * An app and client address past their wrong secrets for the minute get 45011 instead, whatever the secret
 * (CredentialLimiter).
 */
export async function checkCredentials(
  request: FastifyRequest,
  ctx: ServerContext,
  input: { grantType: unknown; appid: unknown; secret: unknown },
): Promise<App> {
  if (input.grantType !== 'client_credential') throw new WxError('INVALID_GRANT_TYPE', `grant_type ${shown(input.grantType)}`);
  if (typeof input.appid !== 'string' || input.appid === '') throw new WxError('APPID_MISSING');
  const app = await ctx.apps.get(input.appid);
  if (!app) throw new WxError('INVALID_APPID', `no app ${shown(input.appid)}`);
  if (request.wxCall) request.wxCall.appid = app.appid;
  await ctx.credentials.check(app.appid, request.ip);
  if (typeof input.secret !== 'string' || input.secret === '') throw new WxError('APPSECRET_MISSING');
  if (!ctx.apps.checkSecret(app, input.secret)) {
    throw await ctx.credentials.fail(app.appid, request.ip, new WxError('INVALID_APPSECRET', 'the secret does not match'));
  }
  return app;
}

/** A caller's value for a log line: JSON-quoted and cut short (it may be anything, of any length). */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 66 ? `${text.slice(0, 64)}…` : text;
}

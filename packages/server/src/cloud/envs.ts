import { APPID_PATTERN, CLOUD_APIS } from '@wxmedia/protocol';
import type { CloudEnvConfig } from './gateway.ts';

/**
 * Cloud environments: each env id maps to one app. Two sources (see docs/cloud-call.md):
 *
 * - explicit: `wxmedia serve --cloud-env ENV=APPID[:SECRETID:SECRETKEY][@API[,API…]]`, parsed here;
 * - implicit: every app is also an env whose id is its appid, signed for with secretId = appid and
 *   secretKey = the app's secret, allowing both media APIs. Zero configuration.
 *
 * An app's own credentials (appid / app secret) are accepted for every env of that app, so `wxmedia run-function
 * --env ENV --appid A --secret S` needs no Tencent Cloud keys.
 */

/** What an env allows when it gives no list: the two cloud-call APIs wxmedia implements. */
export const DEFAULT_CLOUD_OPENAPI: readonly string[] = [CLOUD_APIS.uploadTempMedia, CLOUD_APIS.getTempMedia];

/** wx-server-sdk puts the env id in a host name (`<env>.tcb-api.tencentcloudapi.com`): same rule as its isValidEnvFormat, any case. */
const ENV_ID = /^[A-Za-z0-9_-]{1,40}$/;
const SECRET = /^[\x21-\x7e]{1,256}$/;
/** A cloud-call API name as config.json lists it: `namespace.method`. */
const API_NAME = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+$/;

const SYNTAX = 'ENV=APPID[:SECRETID:SECRETKEY][@API[,API…]]';
const EXAMPLE = 'e.g. --cloud-env dev-1a2b=wx0123456789abcdef or --cloud-env prod=wx0123456789abcdef:AKIDxxxx:keyxxxx@customerServiceMessage.getTempMedia';

export class CloudEnvFlagError extends Error {
  override readonly name = 'CloudEnvFlagError';
}

/**
 * Parses one `--cloud-env` value. Messages say what to change and never repeat the secretKey.
 */
export function parseCloudEnvFlag(text: string): CloudEnvConfig {
  const fail = (what: string): never => {
    throw new CloudEnvFlagError(`--cloud-env: ${what}; expected ${SYNTAX}, ${EXAMPLE}`);
  };
  const eq = text.indexOf('=');
  if (eq < 0) fail('missing "=" between the env id and the appid');
  const env = text.slice(0, eq).trim();
  let rest = text.slice(eq + 1).trim();
  if (!ENV_ID.test(env)) fail(`env id ${JSON.stringify(env)} must be 1-40 letters, digits, "-" or "_"`);

  let openapi: string[] | undefined;
  // Secret keys never contain "@", API names never do: the last "@" starts the list.
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const list = rest.slice(at + 1).split(',').map((s) => s.trim());
    rest = rest.slice(0, at);
    if (list.length === 1 && list[0] === '') fail(`env ${env}: list at least one API after "@" (or drop the "@" to allow both media APIs)`);
    for (const api of list) {
      if (!API_NAME.test(api)) fail(`env ${env}: ${JSON.stringify(api)} is not an API name like customerServiceMessage.uploadTempMedia`);
    }
    openapi = [...new Set(list)];
  }

  const creds = rest.split(':');
  const appid = creds[0]?.trim() ?? '';
  if (!APPID_PATTERN.test(appid)) fail(`env ${env}: appid ${JSON.stringify(appid)} must be 1-64 letters, digits, "-" or "_"`);
  let secretId: string | undefined;
  let secretKey: string | undefined;
  if (creds.length === 3) {
    secretId = creds[1]?.trim() ?? '';
    secretKey = creds[2]?.trim() ?? '';
    if (!SECRET.test(secretId)) fail(`env ${env}: SECRETID must be 1-256 printable characters without spaces`);
    if (!SECRET.test(secretKey)) fail(`env ${env}: SECRETKEY must be 1-256 printable characters without spaces`);
  } else if (creds.length !== 1) {
    fail(`env ${env}: give both SECRETID and SECRETKEY after the appid ("APPID:SECRETID:SECRETKEY"), or neither`);
  }
  return {
    env,
    appid,
    ...(secretId !== undefined && secretKey !== undefined ? { secretId, secretKey } : {}),
    ...(openapi ? { openapi } : {}),
  };
}

/** The zero-configuration env of an app: id = appid, secretId = appid, secretKey = the app secret, both APIs. */
export function implicitCloudEnv(app: { readonly appid: string; readonly secret: string }): CloudEnvConfig {
  return { env: app.appid, appid: app.appid, secretId: app.appid, secretKey: app.secret };
}

/**
 * The secretKey a request signed with `secretId` must have used for `env`, or undefined when the secretId is not
 * accepted there. `lookup` finds envs by id (the implicit env of an app has the appid as id).
 */
export async function acceptedSecretKey(
  env: CloudEnvConfig,
  secretId: string,
  lookup: (envId: string) => Promise<CloudEnvConfig | undefined>,
): Promise<string | undefined> {
  if (env.secretId !== undefined && env.secretKey !== undefined && secretId === env.secretId) return env.secretKey;
  if (secretId !== env.appid) return undefined;
  // The app's own credentials: its implicit env holds the app secret.
  const own = env.env === env.appid ? env : await lookup(env.appid);
  if (own && own.appid === env.appid && own.secretId === env.appid && own.secretKey !== undefined) return own.secretKey;
  return undefined;
}

/**
 * Whether a call to `api` is allowed. An env's explicit list caps every function in it; the calling function's
 * config.json list (when the runner sent it) must also name the API, as in the cloud. A bare request with no
 * function identity and an env with no list may use the two media APIs.
 */
export function isApiAllowed(api: string, env: CloudEnvConfig, functionOpenapi: readonly string[] | undefined): boolean {
  const envAllows = env.openapi ? env.openapi.includes(api) : functionOpenapi !== undefined || DEFAULT_CLOUD_OPENAPI.includes(api);
  const functionAllows = functionOpenapi === undefined || functionOpenapi.includes(api);
  return envAllows && functionAllows;
}

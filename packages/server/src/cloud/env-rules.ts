import { APPID_PATTERN, APPID_RULE } from '@wxmedia/protocol';
import type { CloudEnvConfig } from './envs.ts';

/**
 * The rules an explicit cloud env must follow, whether it comes as a `--cloud-env` flag or as data (`cloudEnvs` in
 * a config file, ServerOptions.cloudEnvs). Messages say what to change and never repeat a secretKey.
 */

/** wx-server-sdk puts the env id in a host name (`<env>.tcb-api.tencentcloudapi.com`): same rule as its isValidEnvFormat, any case. */
const ENV_ID = /^[A-Za-z0-9_-]{1,40}$/;
const SECRET = /^[\x21-\x7e]{1,256}$/;
/** A cloud-call API name as config.json lists it: `namespace.method`. */
const API_NAME = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+$/;

const SYNTAX = 'ENV=APPID[:SECRETID:SECRETKEY][@API[,API…]]';
const EXAMPLE = 'e.g. --cloud-env dev-1a2b=wx0123456789abcdef or --cloud-env prod=wx0123456789abcdef:AKIDxxxx:keyxxxx@customerServiceMessage.getTempMedia';
const FIELDS: ReadonlySet<string> = new Set(['env', 'appid', 'secretId', 'secretKey', 'openapi']);

function envIdProblem(env: unknown): string | undefined {
  return typeof env === 'string' && ENV_ID.test(env) ? undefined : `env id ${JSON.stringify(env)} must be 1-40 letters, digits, "-" or "_"`;
}

function appidProblem(appid: unknown): string | undefined {
  return typeof appid === 'string' && APPID_PATTERN.test(appid) ? undefined : `appid ${JSON.stringify(appid)} must be ${APPID_RULE}`;
}

/** `name` is how the user wrote the field (SECRETID in a flag, secretId in data); the value is never quoted. */
function secretProblem(name: string, value: unknown): string | undefined {
  return typeof value === 'string' && SECRET.test(value) ? undefined : `${name} must be 1-256 printable characters without spaces`;
}

function apiProblem(api: unknown): string | undefined {
  return typeof api === 'string' && API_NAME.test(api) ? undefined : `${JSON.stringify(api)} is not an API name like customerServiceMessage.uploadTempMedia`;
}

export class CloudEnvFlagError extends Error {
  override readonly name = 'CloudEnvFlagError';
}

/** Parses one `--cloud-env` value; throws CloudEnvFlagError saying what to change. */
export function parseCloudEnvFlag(text: string): CloudEnvConfig {
  const fail = (what: string): never => {
    throw new CloudEnvFlagError(`--cloud-env: ${what}; expected ${SYNTAX}, ${EXAMPLE}`);
  };
  const check = (problem: string | undefined, prefix = ''): void => {
    if (problem !== undefined) fail(prefix + problem);
  };
  const eq = text.indexOf('=');
  if (eq < 0) fail('missing "=" between the env id and the appid');
  const env = text.slice(0, eq).trim();
  let rest = text.slice(eq + 1).trim();
  check(envIdProblem(env));
  const where = `env ${env}: `;

  let openapi: string[] | undefined;
  // Secret keys never contain "@", API names never do: the last "@" starts the list.
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const list = rest.slice(at + 1).split(',').map((s) => s.trim());
    rest = rest.slice(0, at);
    if (list.length === 1 && list[0] === '') fail(`${where}list at least one API after "@" (or drop the "@" to allow both media APIs)`);
    for (const api of list) check(apiProblem(api), where);
    openapi = [...new Set(list)];
  }

  const creds = rest.split(':');
  const appid = creds[0]?.trim() ?? '';
  check(appidProblem(appid), where);
  let secretId: string | undefined;
  let secretKey: string | undefined;
  if (creds.length === 3) {
    secretId = creds[1]?.trim() ?? '';
    secretKey = creds[2]?.trim() ?? '';
    check(secretProblem('SECRETID', secretId), where);
    check(secretProblem('SECRETKEY', secretKey), where);
  } else if (creds.length !== 1) {
    fail(`${where}give both SECRETID and SECRETKEY after the appid ("APPID:SECRETID:SECRETKEY"), or neither`);
  }
  return {
    env,
    appid,
    ...(secretId !== undefined && secretKey !== undefined ? { secretId, secretKey } : {}),
    ...(openapi ? { openapi } : {}),
  };
}

/** What is wrong with a cloud env given as data (`{env, appid, secretId?, secretKey?, openapi?}`), or undefined. */
export function cloudEnvProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be an object {env, appid, secretId?, secretKey?, openapi?}';
  const fields = value as Record<string, unknown>;
  const unknown = Object.keys(fields).find((k) => !FIELDS.has(k));
  if (unknown !== undefined) return `unknown field ${JSON.stringify(unknown)} (fields: ${[...FIELDS].join(', ')})`;
  const envProblem = envIdProblem(fields['env']);
  if (envProblem) return envProblem;
  const where = `env ${String(fields['env'])}: `;
  const problem =
    appidProblem(fields['appid']) ??
    ((fields['secretId'] === undefined) !== (fields['secretKey'] === undefined) ? 'give both secretId and secretKey, or neither' : undefined) ??
    (fields['secretId'] !== undefined ? secretProblem('secretId', fields['secretId']) ?? secretProblem('secretKey', fields['secretKey']) : undefined) ??
    openapiProblem(fields['openapi']);
  return problem === undefined ? undefined : where + problem;
}

function openapiProblem(openapi: unknown): string | undefined {
  if (openapi === undefined) return undefined;
  if (!Array.isArray(openapi) || openapi.length === 0) return 'openapi must be a non-empty list of API names (or absent to allow both media APIs)';
  for (const api of openapi) {
    const problem = apiProblem(api);
    if (problem) return problem;
  }
  return undefined;
}

import { CLOUD_APIS } from '@wxmedia/protocol';

/**
 * Cloud environments: each env id maps to one app. Two sources (see docs/cloud-call.md):
 *
 * - explicit: `wxmedia serve --cloud-env ENV=APPID[:SECRETID:SECRETKEY][@API[,API…]]`, or the same
 *   fields as data (`cloudEnvs` in a config file, ServerOptions.cloudEnvs), checked by the same rules (env-rules.ts);
 * - implicit: every app is also an env whose id is its appid, signed for with secretId = appid and
 *   secretKey = the app's secret, allowing both media APIs. Zero configuration.
 *
 * An app's own credentials (appid / app secret) are accepted for every env of that app, so `wxmedia run-function
 * --env ENV --appid A --secret S` needs no Tencent Cloud keys.
 */
export interface CloudEnvConfig {
  /** The cloud environment id the SDK sends (`env=`). */
  readonly env: string;
  /** The app whose media this env reads and writes. */
  readonly appid: string;
  /**
   * Tencent Cloud credentials the SDK signs with (TC3-HMAC-SHA256). Absent: only the app's own credentials
   * (secretId = appid, secretKey = app secret) are accepted — which are accepted for every env of the app anyway.
   */
  readonly secretId?: string;
  readonly secretKey?: string;
  /** Allowed cloud-call APIs, as in a function's config.json `permissions.openapi`; undefined = both media APIs. */
  readonly openapi?: readonly string[];
}

/** What an env allows when it gives no list: the two cloud-call APIs wxmedia implements. */
export const DEFAULT_CLOUD_OPENAPI: readonly string[] = [CLOUD_APIS.uploadTempMedia, CLOUD_APIS.getTempMedia];

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

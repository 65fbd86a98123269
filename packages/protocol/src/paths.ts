/**
 * The URL paths wxmedia serves and the SDK calls: one place for the server's routes, the SDK's requests and the
 * CLI's help texts.
 */

/** WeChat's HTTPS API paths (on api.weixin.qq.com, and on wxmedia). */
export const PATHS = {
  token: '/cgi-bin/token',
  stableToken: '/cgi-bin/stable_token',
  upload: '/cgi-bin/media/upload',
  get: '/cgi-bin/media/get',
  clearQuota: '/cgi-bin/clear_quota',
  quotaGet: '/cgi-bin/openapi/quota/get',
} as const;

/**
 * Where wx-server-sdk posts cloud calls: the path of its own default gateway URL, which `TCB_CONTEXT_CNFG`'s `URL`
 * (or `cloud.init({serviceUrl})`) replaces together with the host (docs/cloud-call.md).
 */
export const CLOUD_GATEWAY_PATH = '/admin';

const ADMIN_ROOT = '/wxmedia/admin';

/** wxmedia's own admin API (not WeChat's), behind `Authorization: Bearer <admin key>`. */
export const ADMIN_PATHS = {
  root: ADMIN_ROOT,
  /** GET: list; POST: add. `${apps}/:appid` DELETE: remove. */
  apps: `${ADMIN_ROOT}/apps`,
  media: `${ADMIN_ROOT}/media`,
  /** POST `{"advance": seconds}` (only with time travel on). */
  clock: `${ADMIN_ROOT}/clock`,
} as const;

/** 200 once the server is ready. */
export const HEALTH_PATH = '/healthz';

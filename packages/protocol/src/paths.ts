/**
 * The URL paths wxmedia serves and the SDK calls: one place for the server's routes, the SDK's requests and the
 * CLI's help texts. wxmedia's own admin API, dashboard and metrics paths are in admin-wire.ts.
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

/** 200 once the server is ready. */
export const HEALTH_PATH = '/healthz';

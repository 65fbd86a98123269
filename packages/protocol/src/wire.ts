/**
 * Request and reply shapes on the wire, exactly as WeChat's pages (docs/wechat-api.md) give them. snake_case is the
 * HTTPS wire; camelCase is the cloud-call (wx-server-sdk) face.
 */
import type { MediaType } from './media-rules.ts';

/** Every failure, and the `errcode: 0` part of successes that carry one. HTTP status is always 200. */
export interface ErrorEnvelope {
  errcode: number;
  errmsg: string;
}

/** GET /cgi-bin/token and POST /cgi-bin/stable_token. */
export interface AccessTokenReply {
  access_token: string;
  expires_in: number;
}

/** POST /cgi-bin/stable_token body. */
export interface StableTokenRequest {
  grant_type: 'client_credential';
  appid: string;
  secret: string;
  force_refresh?: boolean;
}

/**
 * POST /cgi-bin/media/upload reply (WeChat's uploadTempMedia page). `created_at` is an integer here; older WeChat pages show it as a
 * string, so clients accept both. `thumb` uploads name the id `thumb_media_id`.
 */
export interface UploadReply extends ErrorEnvelope {
  type: MediaType;
  media_id?: string;
  thumb_media_id?: string;
  created_at: number | string;
  item?: unknown[];
}

/** POST /cgi-bin/openapi/quota/get reply. */
export interface QuotaGetReply extends ErrorEnvelope {
  quota: { daily_limit: number; used: number; remain: number };
}

/** Cloud-call results (the pages' "SDK Calling Response Example"). */
export interface CloudUploadTempMediaResult {
  errCode: 0;
  errMsg: string;
  type: MediaType;
  mediaId: string;
  createdAt: number;
}

export interface CloudGetTempMediaResult {
  errCode: 0;
  errMsg: string;
  contentType: string;
  buffer: Buffer;
}

/** What a cloud call throws: `errMsg` is `openapi.<api>:fail <errmsg>`. */
export interface CloudCallErrorShape {
  errCode: number;
  errMsg: string;
}

/** Cloud-call API names as wx-server-sdk spells them, and their `ok` / `fail` errMsg prefixes. */
export const CLOUD_APIS = {
  uploadTempMedia: 'customerServiceMessage.uploadTempMedia',
  getTempMedia: 'customerServiceMessage.getTempMedia',
} as const;

export function cloudOkMessage(api: string): string {
  return `openapi.${api}:ok`;
}

export function cloudFailMessage(api: string, errmsg: string): string {
  return `openapi.${api}:fail ${errmsg}`;
}

/** The HTTPS paths wxmedia serves, one place for both server routes and SDK calls. */
export const PATHS = {
  token: '/cgi-bin/token',
  stableToken: '/cgi-bin/stable_token',
  upload: '/cgi-bin/media/upload',
  get: '/cgi-bin/media/get',
  clearQuota: '/cgi-bin/clear_quota',
  quotaGet: '/cgi-bin/openapi/quota/get',
} as const;

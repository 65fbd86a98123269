/**
 * wxmedia's own admin API (not WeChat's): its paths and the shapes it sends and takes, one place for the server,
 * the SDK's admin client, the CLI and the dashboard. Every reply is JSON `{errcode: 0, errmsg: "ok", …}`; a refusal
 * is an HTTP 4xx with `{errcode: <status>, errmsg: "<reason> rid: <rid>"}`.
 */
import type { MediaType } from './media-rules.ts';
import { CLOUD_APIS, PATHS } from './wire.ts';

export const ADMIN_PREFIX = '/wxmedia/admin';

/** Paths under ADMIN_PREFIX (`:id`, `:appid` are route parameters). */
export const ADMIN_PATHS = {
  apps: `${ADMIN_PREFIX}/apps`,
  app: `${ADMIN_PREFIX}/apps/:appid`,
  appSecret: `${ADMIN_PREFIX}/apps/:appid/secret`,
  appTokensRefresh: `${ADMIN_PREFIX}/apps/:appid/tokens/refresh`,
  appQuotaClear: `${ADMIN_PREFIX}/apps/:appid/quota/clear`,
  media: `${ADMIN_PREFIX}/media`,
  mediaItem: `${ADMIN_PREFIX}/media/:id`,
  mediaContent: `${ADMIN_PREFIX}/media/:id/content`,
  mediaExpire: `${ADMIN_PREFIX}/media/:id/expire`,
  clock: `${ADMIN_PREFIX}/clock`,
  faults: `${ADMIN_PREFIX}/faults`,
  fault: `${ADMIN_PREFIX}/faults/:id`,
  calls: `${ADMIN_PREFIX}/calls`,
  call: `${ADMIN_PREFIX}/calls/:rid`,
  callStream: `${ADMIN_PREFIX}/calls/stream`,
  reset: `${ADMIN_PREFIX}/reset`,
  overview: `${ADMIN_PREFIX}/overview`,
} as const;

/** A path of ADMIN_PATHS with its parameters filled in (URI-encoded). */
export function adminPath(template: string, params: Readonly<Record<string, string>> = {}): string {
  return template.replace(/:([a-z]+)/gi, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`adminPath: no value for :${name} in ${template}`);
    return encodeURIComponent(value);
  });
}

/** Where `wxmedia serve` serves the dashboard and the OpenAPI document, and the Prometheus metrics. */
export const DASHBOARD_PATH = '/wxmedia/dashboard/';
export const OPENAPI_PATH = '/wxmedia/openapi.json';
export const METRICS_PATH = '/metrics';

export type AppKind = 'miniprogram' | 'official';

/** What wxmedia accepts as an appid (WeChat's are `wx` + 16 hex characters). */
export const APPID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

// ------------------------------------------------------------------------------------------------------ clock

export interface ClockState {
  /** Server time, Unix milliseconds. */
  readonly now: number;
  /** The same as ISO 8601 (UTC). */
  readonly iso: string;
  /** How far the server's clock is from real time, in seconds (0 when not moved). */
  readonly offsetSeconds: number;
  /** Whether the clock may be moved (`wxmedia serve --time-travel`). */
  readonly timeTravel: boolean;
}

/** POST /wxmedia/admin/clock takes exactly one of these. */
export type ClockCommand =
  | { readonly advance: number }
  /** Unix seconds, or an ISO 8601 date-time. */
  | { readonly set: number | string }
  | { readonly reset: true };

// ----------------------------------------------------------------------------------------------------- faults

/**
 * The APIs a fault can target. A cloud call (wx-server-sdk) of `uploadTempMedia` / `getTempMedia` counts as its
 * HTTPS path, so one fault covers both ways of calling.
 */
export const FAULT_APIS = [PATHS.token, PATHS.stableToken, PATHS.upload, PATHS.get, PATHS.quotaGet, PATHS.clearQuota] as const;
export type FaultApi = (typeof FAULT_APIS)[number];

/** The HTTPS path a cloud-call API name stands for (for faults, metrics and the calls record). */
export const CLOUD_API_PATHS: Readonly<Record<string, FaultApi>> = {
  [CLOUD_APIS.uploadTempMedia]: PATHS.upload,
  [CLOUD_APIS.getTempMedia]: PATHS.get,
};

/** What POST /wxmedia/admin/faults takes. At least one of errcode, latencyMs, drop. */
export interface FaultSpec {
  /** Only this app's calls; absent: every app. */
  readonly appid?: string;
  /** Only this API; absent: every API. */
  readonly api?: FaultApi;
  /** Answer with this errcode (WeChat's envelope, content type and rid). */
  readonly errcode?: number;
  /** The errmsg text; default: WeChat's own for `errcode` (required for an errcode wxmedia does not know). */
  readonly errmsg?: string;
  /** Fire on this many matching calls, then vanish. */
  readonly count?: number;
  /** Fire on each matching call with this probability (0 < p ≤ 1). */
  readonly probability?: number;
  /** Delay the answer by this many milliseconds (alone: a slow but successful call). */
  readonly latencyMs?: number;
  /** Close the connection without an answer. */
  readonly drop?: boolean;
}

export interface Fault extends FaultSpec {
  readonly id: string;
  /** Unix milliseconds (real time). */
  readonly createdAt: number;
  /** How many calls it has answered so far (faults with a count). */
  readonly fired?: number;
}

// ------------------------------------------------------------------------------------------------------ calls

/** One WeChat API call as the server saw it (the recent-calls record, kept per instance). */
export interface CallRecord {
  readonly rid: string;
  /** Server time at the start of the call, Unix milliseconds (the rid's first group is this in seconds). */
  readonly at: number;
  readonly method: string;
  /** `https` for the WeChat HTTPS API, `cloud` for the wx-server-sdk gateway. */
  readonly channel: 'https' | 'cloud';
  /** The HTTPS path, or the cloud API name (`customerServiceMessage.uploadTempMedia`). */
  readonly api: string;
  readonly appid?: string;
  readonly status: number;
  /** The errcode answered (0 on success); absent when the connection was dropped or no errcode applies. */
  readonly errcode?: number;
  /** Milliseconds from the request's arrival to the end of the answer. */
  readonly ms: number;
  /** Media bytes uploaded or served by this call. */
  readonly bytes?: number;
  /** The media_id uploaded or asked for. */
  readonly mediaId?: string;
  /** Why it failed, in the server's words (never sent to the WeChat client). */
  readonly reason?: string;
  /** The id of the fault that answered it. */
  readonly fault?: string;
  /** The fault closed the connection without an answer. */
  readonly dropped?: boolean;
  /** Query parameters, with tokens and secrets redacted. */
  readonly query: Readonly<Record<string, string>>;
  /** Request headers, with credentials redacted. */
  readonly headers: Readonly<Record<string, string>>;
}

// ------------------------------------------------------------------------------------------------------ media

export interface MediaEntry {
  readonly mediaId: string;
  readonly appid: string;
  /** image, voice or video, from the stored Content-Type (a `thumb` is an image). */
  readonly kind: MediaKind;
  readonly contentType: string;
  /** The filename the uploader gave. */
  readonly filename: string;
  readonly size: number;
  /** Unix seconds. */
  readonly createdAt: number;
  /** Unix seconds: get answers 40007 from this second on. */
  readonly expiresAt: number;
}

export type MediaKind = Exclude<MediaType, 'thumb'>;

// ------------------------------------------------------------------------------------------------------- apps

export interface LaneState {
  /** How many tokens this lane has minted for the app (0: none yet). */
  readonly generation: number;
  /** Unix seconds the current token was minted, and when it expires. */
  readonly issuedAt?: number;
  readonly expiresAt?: number;
  /** The token before the current one stays valid until this Unix second. */
  readonly previousValidUntil?: number;
}

export interface QuotaState {
  readonly daily_limit: number;
  readonly used: number;
  readonly remain: number;
}

export interface AppDetail {
  readonly appid: string;
  readonly kind: AppKind;
  /** Unix seconds. */
  readonly createdAt: number;
  /** `token`: /cgi-bin/token; `stable`: /cgi-bin/stable_token. */
  readonly tokens: { readonly token: LaneState; readonly stable: LaneState };
  /** Today's quota per API path. */
  readonly quotas: Readonly<Record<string, QuotaState>>;
}

// --------------------------------------------------------------------------------------------------- overview

export interface MinuteStats {
  /** Unix milliseconds of the minute's start (real time). */
  readonly minute: number;
  readonly uploads: number;
  readonly gets: number;
  readonly calls: number;
  readonly errors: number;
}

export interface Overview {
  readonly apps: number;
  readonly media: { readonly count: number; readonly bytes: number };
  /** The last 60 minutes on this instance, oldest first. */
  readonly perMinute: readonly MinuteStats[];
  /** Failed calls by errcode over the last 60 minutes on this instance. */
  readonly errorsByErrcode: Readonly<Record<string, number>>;
  readonly storage: { readonly blobs: string; readonly state: string };
  readonly clock: ClockState;
  readonly faults: number;
  /** Unix milliseconds this instance started. */
  readonly startedAt: number;
}

/** POST /wxmedia/admin/reset: one app's media, tokens, quotas, faults and recent calls, or everything's. */
export interface ResetRequest {
  readonly appid?: string;
}

export interface ResetResult {
  readonly media: number;
  readonly apps: number;
  readonly faults: number;
}

/**
 * Lifetimes, default limits and quotas. Every number here is the documented WeChat value unless noted;
 * the server takes overrides from its configuration.
 */
import { PATHS } from './paths.ts';

/** A temporary media_id is valid for three days (uploadTempMedia page: "valid within three days"). */
export const MEDIA_TTL_SECONDS = 259_200;

/** `expires_in` of every access token (/cgi-bin/token and /cgi-bin/stable_token). */
export const TOKEN_TTL_SECONDS = 7_200;

/** A replaced token keeps working this long; stable_token also rotates this long before expiry. */
export const TOKEN_OVERLAP_SECONDS = 300;

/** stable_token force_refresh: at most this many a day … */
export const FORCE_REFRESH_DAILY_LIMIT = 20;
/** … and at least this many seconds apart. */
export const FORCE_REFRESH_MIN_INTERVAL_SECONDS = 30;

/** clear_quota may be called this many times a month per app. */
export const CLEAR_QUOTA_MONTHLY_LIMIT = 10;

/**
 * The API paths that carry a daily quota, with WeChat's default daily limits
 * (mini-program docs: upload 100 000, download 200 000, token 2 000; stable_token 10 000).
 */
export const DEFAULT_DAILY_QUOTAS = {
  [PATHS.token]: 2_000,
  [PATHS.stableToken]: 10_000,
  [PATHS.upload]: 100_000,
  [PATHS.get]: 200_000,
} as const satisfies Record<string, number>;

export type QuotaPath = keyof typeof DEFAULT_DAILY_QUOTAS;

export const QUOTA_PATHS = Object.keys(DEFAULT_DAILY_QUOTAS) as QuotaPath[];

export function isQuotaPath(path: string): path is QuotaPath {
  return Object.hasOwn(DEFAULT_DAILY_QUOTAS, path);
}

/**
 * WeChat's quota day starts at midnight Beijing time (UTC+8); this offset turns a Unix time into that day.
 */
export const QUOTA_DAY_UTC_OFFSET_SECONDS = 8 * 3600;

/** The quota day (YYYYMMDD, Beijing time) of a Unix time in seconds. */
export function quotaDay(unixSeconds: number): string {
  const d = new Date((unixSeconds + QUOTA_DAY_UTC_OFFSET_SECONDS) * 1000);
  return d.toISOString().slice(0, 10).replaceAll('-', '');
}

/** The quota month (YYYYMM, Beijing time) of a Unix time in seconds. */
export function quotaMonth(unixSeconds: number): string {
  return quotaDay(unixSeconds).slice(0, 6);
}

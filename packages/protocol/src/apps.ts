/**
 * What names an app. Real appids are `wx` and 16 hex digits; wxmedia accepts any 1-64 characters of
 * `[A-Za-z0-9_-]`, which is also what fits the appid field of its access tokens (access-token.ts).
 */
export const APPID_MAX_LENGTH = 64;
export const APPID_PATTERN = new RegExp(`^[A-Za-z0-9_-]{1,${APPID_MAX_LENGTH}}$`);
/** APPID_PATTERN in words, for messages that say what to change. */
export const APPID_RULE = `1-${APPID_MAX_LENGTH} characters of [A-Za-z0-9_-]`;

/**
 * A mini program may upload images only; an official account also voice, video and thumb (media-rules.ts).
 * https://developers.weixin.qq.com/miniprogram/dev/api-backend/open-api/customer-message/customerServiceMessage.uploadTempMedia.html
 */
export const APP_KINDS = ['miniprogram', 'official'] as const;
export type AppKind = (typeof APP_KINDS)[number];

export function isAppKind(value: unknown): value is AppKind {
  return (APP_KINDS as readonly unknown[]).includes(value);
}

/** APP_KINDS in words: `"miniprogram" or "official"`. */
export const APP_KIND_RULE = APP_KINDS.map((k) => JSON.stringify(k)).join(' or ');

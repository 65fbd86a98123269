import { createHmac, timingSafeEqual } from 'node:crypto';

/** Truncated HMAC-SHA256 under the server's signing key: the integrity check of media ids and tokens. */
export function mac(key: Uint8Array, data: Uint8Array, bytes: number): Buffer {
  return createHmac('sha256', key).update(data).digest().subarray(0, bytes);
}

/** Constant-time comparison of two byte strings of possibly different length. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Constant-time comparison of two secrets given as strings. */
export function sameSecret(a: string, b: string): boolean {
  // Hash first so the comparison takes the same time whatever the lengths.
  const ha = createHmac('sha256', 'wxmedia-compare').update(a).digest();
  const hb = createHmac('sha256', 'wxmedia-compare').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** Apps whose tag is remembered per key; past this the memo starts over (a bound, not an expected size). */
const APP_TAGS_MAX = 1_000;
const appTags = new WeakMap<Uint8Array, Map<string, Buffer>>();

/**
 * An 8-byte tag naming an app inside ids, so an id says whose it is without saying the appid. Remembered per key
 * and appid: every upload (mintMediaId) and every first check of an id asks for the same few tags, each an HMAC.
 * The buffer is shared: read it, never write to it.
 */
export function appTag(key: Uint8Array, appid: string): Buffer {
  let tags = appTags.get(key);
  if (!tags) appTags.set(key, (tags = new Map()));
  let tag = tags.get(appid);
  if (!tag) {
    if (tags.size >= APP_TAGS_MAX) tags.clear();
    tag = mac(key, Buffer.from(`app:${appid}`), 8);
    tags.set(appid, tag);
  }
  return tag;
}

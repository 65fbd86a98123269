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

/** An 8-byte tag naming an app inside ids, so an id says whose it is without saying the appid. */
export function appTag(key: Uint8Array, appid: string): Buffer {
  return mac(key, Buffer.from(`app:${appid}`), 8);
}

import { randomInto } from './random-pool.ts';
import { appTag, mac, sameBytes } from './signing.ts';
import { MEDIA_TTL_SECONDS } from './limits.ts';
import { formatByCode, type MediaFormat } from './media-rules.ts';

/**
 * A media_id is 64 characters of `[A-Za-z0-9_-]`, like WeChat's, and verifies itself: it is the base64url form of
 * 48 bytes that carry its creation time, its format, its owner and an HMAC under the server's signing key. A forged,
 * foreign or expired id is therefore refused with 40007 without touching storage, and get needs no metadata read
 * to know the Content-Type.
 *
 *   [0]      version (1)
 *   [1..4]   created_at, Unix seconds, big-endian
 *   [5]      media format code (media-rules.ts)
 *   [6..13]  owner app tag (signing.ts appTag)
 *   [14..29] random
 *   [30..47] HMAC-SHA256 of bytes 0..29, truncated to 18 bytes
 */
export const MEDIA_ID_PATTERN = /^[A-Za-z0-9_-]{64}$/;
const VERSION = 1;
const BODY = 30;
const TOTAL = 48;

export interface MediaIdFacts {
  readonly createdAt: number;
  readonly format: MediaFormat;
}

export function mintMediaId(key: Uint8Array, appid: string, createdAt: number, format: MediaFormat): string {
  const b = Buffer.alloc(TOTAL);
  b[0] = VERSION;
  b.writeUInt32BE(createdAt >>> 0, 1);
  b[5] = format.code;
  appTag(key, appid).copy(b, 6);
  randomInto(b, 14, 16);
  mac(key, b.subarray(0, BODY), TOTAL - BODY).copy(b, BODY);
  return b.toString('base64url');
}

export type MediaIdCheck =
  | { readonly ok: true; readonly facts: MediaIdFacts }
  | { readonly ok: false; readonly reason: 'malformed' | 'forged' | 'foreign' | 'expired' };

/**
 * Checks an id without storage: its shape, its HMAC, that `appid` owns it and that it has not expired at
 * `nowSeconds` (expired from exactly created_at + ttl).
 */
export function checkMediaId(
  key: Uint8Array,
  id: string,
  appid: string,
  nowSeconds: number,
  ttlSeconds: number = MEDIA_TTL_SECONDS,
): MediaIdCheck {
  const facts = readMediaId(key, id);
  if (!facts.ok) return facts;
  const b = Buffer.from(id, 'base64url');
  if (!sameBytes(b.subarray(6, 14), appTag(key, appid))) return { ok: false, reason: 'foreign' };
  if (nowSeconds >= facts.facts.createdAt + ttlSeconds) return { ok: false, reason: 'expired' };
  return facts;
}

/** Shape and HMAC only: for the sweeper and tools that hold the key but act for no app. */
export function readMediaId(key: Uint8Array, id: string): MediaIdCheck {
  if (!MEDIA_ID_PATTERN.test(id)) return { ok: false, reason: 'malformed' };
  const b = Buffer.from(id, 'base64url');
  // 64 base64url characters always decode to 48 bytes; re-encoding rejects non-canonical trailing bits.
  if (b.length !== TOTAL || b.toString('base64url') !== id || b[0] !== VERSION) return { ok: false, reason: 'malformed' };
  if (!sameBytes(b.subarray(BODY), mac(key, b.subarray(0, BODY), TOTAL - BODY))) return { ok: false, reason: 'forged' };
  const format = formatByCode(b[5] ?? 0);
  if (!format) return { ok: false, reason: 'malformed' };
  return { ok: true, facts: { createdAt: b.readUInt32BE(1), format } };
}

/** The creation time written in an id, without checking it (for storage layout only). */
export function mediaIdCreatedAt(id: string): number | undefined {
  if (!MEDIA_ID_PATTERN.test(id)) return undefined;
  return Buffer.from(id, 'base64url').readUInt32BE(1);
}

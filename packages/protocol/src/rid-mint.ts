import { randomHex } from './random-pool.ts';

/**
 * A new WeChat request id (format: rid.ts): the request's Unix time in hex, then 8 random bytes as two groups.
 * Node-only (random-pool.ts), apart from rid.ts, which the browser-facing wire types import.
 */
export function newRid(unixSeconds: number): string {
  const time = (unixSeconds >>> 0).toString(16).padStart(8, '0');
  return `${time}-${randomHex(4)}-${randomHex(4)}`;
}

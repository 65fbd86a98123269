import { randomFillSync } from 'node:crypto';

/**
 * Random bytes for ids (rids, the random part of media_ids), drawn from one CSPRNG refill per POOL_BYTES instead of
 * one randomBytes() call, and its Buffer, per id: every request makes a rid, so the per-call cost showed in
 * profiles (docs/benchmarks.md). The bytes are as random as randomBytes' (the same source); each is handed out once.
 */
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

/** Where `n` fresh bytes start in the pool (valid until the next call). */
function take(n: number): number {
  if (n > POOL_BYTES) throw new RangeError(`at most ${POOL_BYTES} pooled random bytes at once`);
  if (offset + n > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const at = offset;
  offset += n;
  return at;
}

/** `n` random bytes as 2n lower-case hex characters. */
export function randomHex(n: number): string {
  const at = take(n);
  return pool.toString('hex', at, at + n);
}

/** Copies `n` random bytes into `target` at `targetStart`. */
export function randomInto(target: Uint8Array, targetStart: number, n: number): void {
  const at = take(n);
  pool.copy(target, targetStart, at, at + n);
}

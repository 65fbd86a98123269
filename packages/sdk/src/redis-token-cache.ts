import { randomBytes } from 'node:crypto';
import type { CachedToken, TokenCache } from './token-cache.ts';

/**
 * The few ioredis methods this adapter uses, so the SDK needs no import of ioredis (an optional peer): pass an
 * `ioredis` client (or Cluster) and it fits.
 */
export interface RedisLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, px: 'PX', ms: number): Promise<unknown>;
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

export interface RedisTokenCacheOptions {
  readonly redis: RedisLike;
  /** Prepended to every key. Default `wxmedia:token:`. */
  readonly prefix?: string;
}

// Deletes the lock only if it is still ours: a holder that overran its TTL must not release the next holder's lock.
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * A token cache shared by every process that points at the same Redis. The lock is `SET key owner NX PX ttl`
 * (one holder fleet-wide, expiring by itself if the holder dies); the others wait and read the token it stores.
 */
export class RedisTokenCache implements TokenCache {
  readonly #redis: RedisLike;
  readonly #prefix: string;

  constructor(options: RedisTokenCacheOptions) {
    this.#redis = options.redis;
    this.#prefix = options.prefix ?? 'wxmedia:token:';
  }

  async get(key: string): Promise<CachedToken | undefined> {
    const raw = await this.#redis.get(this.#prefix + key);
    if (raw === null) return undefined;
    try {
      const parsed = JSON.parse(raw) as Partial<CachedToken>;
      if (typeof parsed.accessToken === 'string' && typeof parsed.expiresAt === 'number' && typeof parsed.refreshAt === 'number') {
        return { accessToken: parsed.accessToken, expiresAt: parsed.expiresAt, refreshAt: parsed.refreshAt };
      }
    } catch {
      // A foreign or corrupt value is treated as a miss and overwritten by the next refresh.
    }
    return undefined;
  }

  async set(key: string, value: CachedToken, ttlMs: number): Promise<void> {
    await this.#redis.set(this.#prefix + key, JSON.stringify(value), 'PX', Math.max(1, Math.floor(ttlMs)));
  }

  async lock(key: string, ttlMs: number): Promise<(() => Promise<void>) | undefined> {
    const lockKey = `${this.#prefix}${key}:lock`;
    const owner = randomBytes(12).toString('hex');
    const ok = await this.#redis.set(lockKey, owner, 'PX', Math.max(1, Math.floor(ttlMs)), 'NX');
    if (ok !== 'OK') return undefined;
    return async () => {
      await this.#redis.eval(RELEASE, 1, lockKey, owner);
    };
  }
}

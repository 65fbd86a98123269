import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CachedToken, TokenCache } from './token-cache.ts';

/** What a factory hands the suite: a fresh, empty cache (its own namespace) and how to dispose of it. */
export interface TokenCacheHarness {
  readonly cache: TokenCache;
  /** Removes everything the cache wrote. */
  readonly cleanup: () => Promise<void>;
}

export interface TokenCacheConformanceOptions {
  /** Case name → why this cache cannot pass it (a cache without `lock` skips the lock cases). A name that matches no case fails the suite. */
  readonly skip?: Partial<Record<string, string>>;
}

/** Short enough to wait for, long enough that no cache drops the entry before the write returns. */
const SHORT_TTL_MS = 60;
const PAST_SHORT_TTL_MS = 150;
const LONG_TTL_MS = 60_000;

function token(name: string): CachedToken {
  const now = Date.now();
  return { accessToken: `${name}-${'t'.repeat(40)}`, expiresAt: now + 7_200_000, refreshAt: now + 6_900_000 };
}

/**
 * The one test suite every TokenCache passes, as every storage back end passes its own (DESIGN.md "Storage"):
 * entries, their expiry, and the refresh lock a fleet relies on to refresh once. Each case gets its own cache from
 * `factory`. Call it at the top level of a `*.test.ts` file.
 */
export function tokenCacheConformance(name: string, factory: () => Promise<TokenCacheHarness>, options: TokenCacheConformanceOptions = {}): void {
  const skip = options.skip ?? {};
  const names: string[] = [];
  const test = (title: string, body: (cache: TokenCache) => Promise<void>): void => {
    names.push(title);
    it(title, { skip: skip[title] ?? false }, async () => {
      const harness = await factory();
      try {
        await body(harness.cache);
      } finally {
        await harness.cleanup();
      }
    });
  };
  /** The cache's lock; the lock cases are skipped (by name, with a reason) for a cache that has none. */
  const lockOf = (cache: TokenCache): NonNullable<TokenCache['lock']> => {
    assert.ok(cache.lock, 'this cache has no lock: skip the lock cases with a reason');
    return cache.lock.bind(cache);
  };

  describe(`TokenCache conformance: ${name}`, () => {
    test('get of a missing key is undefined', async (cache) => {
      assert.equal(await cache.get('missing'), undefined);
    });

    test('values round-trip with their expiry times; keys are independent; set overwrites', async (cache) => {
      const a = token('a');
      const b = token('b');
      await cache.set('host/wxa/stable_token', a, LONG_TTL_MS);
      await cache.set('host/wxb/stable_token', b, LONG_TTL_MS);
      assert.deepEqual(await cache.get('host/wxa/stable_token'), a);
      assert.deepEqual(await cache.get('host/wxb/stable_token'), b);
      const a2 = token('a2');
      await cache.set('host/wxa/stable_token', a2, LONG_TTL_MS);
      assert.deepEqual(await cache.get('host/wxa/stable_token'), a2);
    });

    test('an entry is gone once its ttlMs has passed', async (cache) => {
      await cache.set('short', token('short'), SHORT_TTL_MS);
      await cache.set('long', token('long'), LONG_TTL_MS);
      await sleep(PAST_SHORT_TTL_MS);
      assert.equal(await cache.get('short'), undefined);
      assert.ok(await cache.get('long'));
    });

    test('the lock is exclusive, and a released lock can be taken again', async (cache) => {
      const lock = lockOf(cache);
      const release = await lock('k', LONG_TTL_MS);
      assert.ok(release);
      assert.equal(await lock('k', LONG_TTL_MS), undefined, 'a second holder is refused');
      assert.ok(await lock('other', LONG_TTL_MS), 'another key has a lock of its own');
      await release();
      assert.ok(await lock('k', LONG_TTL_MS), 'released locks can be taken again');
    });

    test('fifty callers racing for the lock: exactly one gets it', async (cache) => {
      const lock = lockOf(cache);
      const results = await Promise.all(Array.from({ length: 50 }, () => lock('raced', LONG_TTL_MS)));
      assert.equal(results.filter((r) => r !== undefined).length, 1);
    });

    test('a lock expires by itself, and a stale holder\'s release does not free the next holder\'s lock', async (cache) => {
      const lock = lockOf(cache);
      const stale = await lock('k', SHORT_TTL_MS);
      assert.ok(stale);
      await sleep(PAST_SHORT_TTL_MS);
      const next = await lock('k', LONG_TTL_MS);
      assert.ok(next, 'an expired lock can be taken (a crashed holder does not block the fleet)');
      await stale();
      assert.equal(await lock('k', LONG_TTL_MS), undefined, 'still held by the next holder');
      await next();
    });

    it('every skipped case exists', () => {
      const unknown = Object.keys(skip).filter((title) => !names.includes(title));
      assert.deepEqual(unknown, [], 'skip names a case this suite does not have');
    });
  });
}

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { connectRedis, deletePrefix, testPrefix } from '../../../test/helpers/redis.ts';
import { RedisTokenCache } from './redis-token-cache.ts';
import { tokenCacheConformance } from './token-cache.conformance.ts';

const connected = await connectRedis();

if ('skip' in connected) {
  describe('RedisTokenCache', { skip: connected.skip }, () => {});
} else {
  const { redis } = connected;
  after(() => redis.disconnect());

  tokenCacheConformance('RedisTokenCache', async () => {
    const prefix = testPrefix();
    return { cache: new RedisTokenCache({ redis, prefix }), cleanup: () => deletePrefix(redis, prefix) };
  });

  describe('RedisTokenCache in Redis', () => {
    it('entries carry a Redis TTL, and a value that is not ours is a miss', async () => {
      const prefix = testPrefix();
      try {
        const cache = new RedisTokenCache({ redis: redis as Redis, prefix });
        const value = { accessToken: 'x'.repeat(40), expiresAt: Date.now() + 7_200_000, refreshAt: Date.now() + 6_900_000 };
        await cache.set('app', value, 60_000);
        assert.deepEqual(await cache.get('app'), value);
        assert.ok((await redis.pttl(`${prefix}app`)) > 0, 'entries carry a TTL');
        await redis.set(`${prefix}broken`, 'not json');
        assert.equal(await cache.get('broken'), undefined);
      } finally {
        await deletePrefix(redis, prefix);
      }
    });
  });
}

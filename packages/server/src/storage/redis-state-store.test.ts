import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { connectRedis, REDIS_URL, testPrefix } from '../../../../test/helpers/redis.ts';
import { redisServerMissing, startRedisCluster, startRedisServer, type LocalRedisCluster } from '../../../../test/helpers/redis-server.ts';
import { connectRedisStateStore, parseRedisUrl } from './redis-config.ts';
import { stateStoreConformance } from './state-store.conformance.ts';

const shared = await connectRedis();
const sharedSkip = 'skip' in shared ? shared.skip : undefined;
const admin: Redis | undefined = 'redis' in shared ? shared.redis : undefined;
after(() => admin?.quit());

/** A store on `url` under a prefix of its own; cleanup deletes that prefix's keys (never FLUSHDB). */
function factory(url: () => string) {
  return async () => {
    const prefix = testPrefix();
    const location = { ...parseRedisUrl(url()), keyPrefix: prefix };
    return {
      store: await connectRedisStateStore(location),
      reopen: () => connectRedisStateStore(location),
      cleanup: async () => {
        const cleaner = await connectRedisStateStore(location);
        try {
          for (const key of await cleaner.keys('')) await cleaner.delete(key);
        } finally {
          await cleaner.close();
        }
      },
    };
  };
}

if (sharedSkip) {
  describe('StateStore conformance: RedisStateStore', () => it('needs Redis', { skip: sharedSkip }, () => {}));
} else {
  stateStoreConformance('RedisStateStore', factory(() => REDIS_URL));
}

const noBinary = redisServerMissing();
describe('RedisStateStore on a Redis Cluster of three masters', { skip: noBinary?.skip ?? false }, () => {
  let cluster: LocalRedisCluster;
  before(async () => {
    cluster = await startRedisCluster(3);
  });
  after(() => cluster?.dispose());
  stateStoreConformance('RedisStateStore on a Redis Cluster', factory(() => cluster.url));

  it('is a Cluster client, and keys() finds keys on every master', async () => {
    const location = { ...parseRedisUrl(cluster.url), keyPrefix: testPrefix() };
    const store = await connectRedisStateStore(location);
    try {
      const keys = Array.from({ length: 50 }, (_, i) => `k:${String(i).padStart(2, '0')}`);
      for (const key of keys) await store.set(key, 'v');
      assert.deepEqual(await store.keys('k:'), keys);
      const { Redis } = await import('ioredis');
      // The keys really are spread over the masters: each holds some.
      const perNode = await Promise.all(
        cluster.ports.map(async (port) => {
          const node = new Redis({ host: '127.0.0.1', port });
          try {
            return (await node.scan('0', 'MATCH', `${location.keyPrefix}*`, 'COUNT', 1000))[1].length;
          } finally {
            node.disconnect();
          }
        }),
      );
      assert.ok(perNode.every((n) => n > 0), `keys per master: ${perNode.join(', ')}`);
    } finally {
      await store.close();
    }
  });
});

describe('RedisStateStore when Redis goes away and comes back (AOF)', { skip: noBinary?.skip ?? false }, () => {
  it('fails each operation within its deadline while Redis is down, then works again by itself, data intact', async () => {
    const redis = await startRedisServer({ appendOnly: true });
    const store = await connectRedisStateStore({ ...parseRedisUrl(redis.url), keyPrefix: 'wxmedia:' }, { operationTimeoutMs: 1_000 });
    try {
      await store.set('app:wx1', 'secret');
      assert.equal(await store.incr('quota', { by: 41 }), 41);
      await redis.stop();
      for (const operation of [() => store.get('app:wx1'), () => store.incr('quota'), () => store.ping(), () => store.keys('')]) {
        const started = Date.now();
        await assert.rejects(operation());
        // Not a speed goal: the bound is what keeps a request from hanging while Redis is away.
        assert.ok(Date.now() - started < 5_000, 'rejected within the deadline');
      }
      await redis.start();
      let back = false;
      for (let attempt = 0; attempt < 100 && !back; attempt++) {
        back = await store.ping().then(
          () => true,
          () => new Promise<boolean>((r) => setTimeout(() => r(false), 100)),
        );
      }
      assert.ok(back, 'the store reconnected by itself');
      assert.equal(await store.get('app:wx1'), 'secret');
      assert.equal(await store.incr('quota'), 42, 'the counter survived the restart and counts on');
    } finally {
      await store.close();
      await redis.dispose();
    }
  });

  it('parseRedisUrl: database, TLS, prefix; bad URLs say what to change without echoing a password', () => {
    assert.deepEqual(parseRedisUrl('redis://u:p%40ss@cache.internal:6380/2?prefix=media:'), {
      url: 'redis://u:p%40ss@cache.internal:6380/2',
      host: 'cache.internal',
      port: 6380,
      db: 2,
      tls: false,
      keyPrefix: 'media:',
    });
    assert.equal(parseRedisUrl('rediss://cache').tls, true);
    assert.equal(parseRedisUrl('rediss://cache').port, 6379);
    for (const bad of ['http://x', 'redis://x/abc', 'redis://x?db=2', 'not a url with hunter2']) {
      assert.throws(() => parseRedisUrl(bad), (e: Error) => e instanceof TypeError && !e.message.includes('hunter2'));
    }
  });
});


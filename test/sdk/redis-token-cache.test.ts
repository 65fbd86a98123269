// A fleet sharing one Redis token cache refreshes once: processes started together with an empty cache send
// exactly one token request to the server between them.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { PATHS } from '@wxmedia/protocol';
import { RedisTokenCache, WeChatClient } from '@wxmedia/sdk';
import type { Redis } from 'ioredis';
import { startCountingProxy, type CountingProxy } from './fixtures/counting-proxy.ts';
import { connectRedis, deletePrefix, REDIS_URL, testPrefix } from './fixtures/redis.ts';
import { APP, startServer, type RunningServer } from './fixtures/server.ts';

const connected = await connectRedis();
const skip = 'skip' in connected ? connected.skip : false;
if (skip) console.log(`# skipping Redis token cache tests: ${skip}`);
const redis = 'redis' in connected ? connected.redis : (undefined as unknown as Redis);

let srv: RunningServer;
let proxy: CountingProxy;
const prefixes: string[] = [];

before(async () => {
  if (skip) return;
  srv = await startServer();
  proxy = await startCountingProxy(srv.url);
});

after(async () => {
  if (skip) return;
  for (const p of prefixes) await deletePrefix(redis, p);
  redis.disconnect();
  await proxy.close();
  await srv.stop();
});

function newPrefix(): string {
  const p = testPrefix();
  prefixes.push(p);
  return p;
}

interface Member {
  readonly child: ChildProcessWithoutNullStreams;
  readonly ready: Promise<void>;
  readonly result: Promise<{ tokenHash: string; mediaId: string }>;
  readonly output: () => string;
}

function startMember(prefix: string): Member {
  const script = fileURLToPath(new URL('./fixtures/fleet-member.ts', import.meta.url));
  const child = spawn(process.execPath, ['--conditions=@wxmedia/source', '--import', 'tsx', script, proxy.url, REDIS_URL, prefix, APP.appid, APP.secret], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready\n')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`member exited ${code} before ready: ${err}`)));
  });
  const result = new Promise<{ tokenHash: string; mediaId: string }>((resolve, reject) => {
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`member exited ${code}: ${err}`));
      const last = out.trim().split('\n').at(-1) ?? '';
      resolve(JSON.parse(last) as { tokenHash: string; mediaId: string });
    });
  });
  return { child, ready, result, output: () => out + err };
}

describe('Redis token cache', { skip }, () => {
  test('two processes started together with an empty shared cache: exactly one token request reaches the server', async () => {
    const prefix = newPrefix();
    const before = proxy.count(PATHS.stableToken) + proxy.count(PATHS.token);
    const members = [startMember(prefix), startMember(prefix)];
    await Promise.all(members.map((m) => m.ready));
    for (const m of members) m.child.stdin.write('go\n');
    const results = await Promise.all(members.map((m) => m.result));

    assert.equal(proxy.count(PATHS.stableToken) + proxy.count(PATHS.token) - before, 1, 'one token request for the whole fleet');
    assert.equal(results[0]?.tokenHash, results[1]?.tokenHash, 'both processes used the same token');
    assert.ok(results.every((r) => /^[A-Za-z0-9_-]{64}$/.test(r.mediaId)), 'both uploads succeeded');
    for (const m of members) assert.ok(!m.output().includes(APP.secret), 'a member printed the secret');
  });

  test('ten clients in this process on one Redis cache, all asking at once: one token request', async () => {
    const prefix = newPrefix();
    const before = proxy.count(PATHS.stableToken);
    const clients = Array.from({ length: 10 }, () => new WeChatClient({ ...APP, baseUrl: proxy.url, tokenCache: new RedisTokenCache({ redis, prefix }) }));
    const tokens = await Promise.all(clients.map((c) => c.tokenProvider.getToken()));
    assert.equal(new Set(tokens).size, 1);
    assert.equal(proxy.count(PATHS.stableToken) - before, 1);
    await Promise.all(clients.map((c) => c.close()));
  });

  test('the lock is exclusive, expires by itself, and is released only by its holder', async () => {
    const prefix = newPrefix();
    const cache = new RedisTokenCache({ redis, prefix });
    const release = await cache.lock('k', 5_000);
    assert.ok(release);
    assert.equal(await cache.lock('k', 5_000), undefined, 'a second holder is refused');
    await release();
    const again = await cache.lock('k', 50);
    assert.ok(again, 'released locks can be taken again');
    await new Promise((r) => setTimeout(r, 120));
    const third = await cache.lock('k', 5_000);
    assert.ok(third, 'an expired lock can be taken (a crashed holder does not block the fleet)');
    await again(); // the stale holder's release must not free the third holder's lock
    assert.equal(await cache.lock('k', 5_000), undefined);
    await third();
  });

  test('values round-trip with their expiry, and a corrupt entry is a miss', async () => {
    const prefix = newPrefix();
    const cache = new RedisTokenCache({ redis, prefix });
    const value = { accessToken: 'x'.repeat(40), expiresAt: Date.now() + 7_200_000, refreshAt: Date.now() + 6_900_000 };
    await cache.set('app', value, 60_000);
    assert.deepEqual(await cache.get('app'), value);
    assert.ok((await redis.pttl(`${prefix}app`)) > 0, 'entries carry a TTL');
    await redis.set(`${prefix}broken`, 'not json');
    assert.equal(await cache.get('broken'), undefined);
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { killNineWhen } from '../../../../test/helpers/kill9.ts';
import { REPO_ROOT } from '../../../../test/helpers/files.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { LmdbStateStore } from './lmdb-state-store.ts';
import { stateStoreConformance } from './state-store.conformance.ts';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'wxmedia-lmdb-'));
}

stateStoreConformance('LmdbStateStore', async () => {
  const dir = await tempDir();
  // A path in a directory that does not exist yet: the store creates it, as a fresh data directory needs.
  const path = join(dir, 'data', 'state.mdb');
  return {
    store: new LmdbStateStore({ path }),
    reopen: async () => new LmdbStateStore({ path }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('LmdbStateStore', () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('purgeExpired removes keys past their TTL from disk, and only those', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const store = new LmdbStateStore({ path: join(dir, 'state.mdb') });
    try {
      await store.set('short', 'v', { ttlMs: 1 });
      await store.set('rewritten', 'v', { ttlMs: 1 });
      await store.set('rewritten', 'v'); // leaves a stale expiry entry that must not remove the key
      await store.set('long', 'v', { ttlMs: 60 * 60 * 1000 });
      await store.incr('counter', { ttlMs: 1 });
      await sleep(20);
      assert.equal(await store.purgeExpired(), 2);
      assert.equal(await store.purgeExpired(), 0);
      assert.deepEqual(await store.keys(''), ['long', 'rewritten']);
    } finally {
      await store.close();
    }
  });

  /**
   * Runs `writes` in a child process on a fresh store, kills it with -9 the moment they resolved (it never closes
   * the store, as a crashed server would not), then opens the store again for `check`.
   */
  async function afterKillNine(writes: string, check: (store: LmdbStateStore) => Promise<void>): Promise<void> {
    const dir = await tempDir();
    dirs.push(dir);
    const path = join(dir, 'state.mdb');
    await killNineWhen(
      'ready',
      `const { LmdbStateStore } = await import(${JSON.stringify(new URL('./lmdb-state-store.ts', import.meta.url).href)});
       const store = new LmdbStateStore({ path: process.env.STATE_PATH });
       ${writes}
       process.stdout.write('ready\\n');
       setInterval(() => {}, 60_000);`,
      { STATE_PATH: path },
    );
    const store = new LmdbStateStore({ path });
    try {
      await check(store);
    } finally {
      await store.close();
    }
  }

  it('a write that returned survives kill -9 of its process', async () => {
    await afterKillNine(
      `await store.set('app:wx1', 'secret');
       await Promise.all(Array.from({ length: 50 }, () => store.incr('quota')));
       await store.setIfAbsent('signing-key', 'k1');`,
      async (store) => {
        assert.equal(await store.get('app:wx1'), 'secret');
        assert.equal(await store.get('quota'), '50');
        assert.equal(await store.setIfAbsent('signing-key', 'k2'), false);
      },
    );
  });

  it('deferred counters are exact across processes sharing the environment', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const path = join(dir, 'state.mdb');
    const store = new LmdbStateStore({ path });
    const N = 300;
    try {
      // Another process (as `serve --workers` runs them) counts on the same key while this one does.
      const child = spawn(
        process.execPath,
        [
          '--conditions=@wxmedia/source',
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          `const { LmdbStateStore } = await import(${JSON.stringify(new URL('./lmdb-state-store.ts', import.meta.url).href)});
           const store = new LmdbStateStore({ path: process.env.STATE_PATH });
           const seen = await Promise.all(Array.from({ length: ${N} }, () => store.incr('quota', { durability: 'deferred' })));
           await store.close();
           process.stdout.write(JSON.stringify(seen));`,
        ],
        { cwd: REPO_ROOT, env: { ...process.env, STATE_PATH: path }, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += String(chunk)));
      const exited = once(child, 'exit');
      const mine = await Promise.all(Array.from({ length: N }, () => store.incr('quota', { durability: 'deferred' })));
      const [code] = await exited;
      assert.equal(code, 0);
      const theirs = JSON.parse(out) as number[];
      // Every value from 1 to 2N handed out exactly once: no two callers in either process saw the same count.
      assert.deepEqual([...mine, ...theirs].sort((a, b) => a - b), Array.from({ length: 2 * N }, (_, i) => i + 1));
      assert.equal(await store.get('quota'), String(2 * N));
    } finally {
      await store.close();
    }
  });

  it('a durable write that returned covers every deferred write before it, across kill -9', async () => {
    await afterKillNine(
      `await Promise.all(Array.from({ length: 50 }, () => store.incr('quota', { durability: 'deferred' })));
       await store.set('token-generation', '7');`,
      async (store) => {
        assert.equal(await store.get('token-generation'), '7');
        assert.equal(await store.get('quota'), '50');
      },
    );
  });
});

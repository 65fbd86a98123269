import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
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

  it('a write that returned survives kill -9 of its process', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const path = join(dir, 'state.mdb');
    // The child never closes the store: it is killed right after its writes resolve, as a crashed server would be.
    const child = spawn(
      process.execPath,
      [
        // The sources, as the test runner runs them (scripts/test.sh).
        '--conditions=@wxmedia/source',
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { LmdbStateStore } = await import(${JSON.stringify(new URL('./lmdb-state-store.ts', import.meta.url).href)});
         const store = new LmdbStateStore({ path: process.env.STATE_PATH });
         await store.set('app:wx1', 'secret');
         await Promise.all(Array.from({ length: 50 }, () => store.incr('quota')));
         await store.setIfAbsent('signing-key', 'k1');
         process.stdout.write('ready\\n');
         setInterval(() => {}, 60_000);`,
      ],
      { cwd: fileURLToPath(new URL('../../../../', import.meta.url)), env: { ...process.env, STATE_PATH: path }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = once(child, 'exit');
    let out = '';
    for await (const chunk of child.stdout) {
      out += String(chunk);
      if (out.includes('ready')) break;
    }
    assert.match(out, /ready/, 'the child finished its writes');
    child.kill('SIGKILL');
    await exited;
    const store = new LmdbStateStore({ path });
    try {
      assert.equal(await store.get('app:wx1'), 'secret');
      assert.equal(await store.get('quota'), '50');
      assert.equal(await store.setIfAbsent('signing-key', 'k2'), false);
    } finally {
      await store.close();
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { MEDIA_FORMATS, MEDIA_TTL_SECONDS, mintMediaId } from '@wxmedia/protocol';
import { FsBlobStore, ManualClock, MemoryStateStore, type BlobStore } from '@wxmedia/server';
import { Sweeper } from '../src/services/sweeper.ts';

/** A real FsBlobStore that counts the sweeps asked of it. */
function counting(store: BlobStore): { store: BlobStore; sweeps: () => number } {
  let n = 0;
  const counted = Object.create(store) as BlobStore;
  counted.sweep = (before) => {
    n += 1;
    return store.sweep(before);
  };
  return { store: counted, sweeps: () => n };
}

describe('Sweeper on a shared state store', () => {
  it('of several instances one leads and sweeps; when it stops, another takes over', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wxmedia-sweeper-'));
    const state = new MemoryStateStore();
    const clock = new ManualClock(Date.UTC(2026, 10, 22, 4));
    const blobs = new FsBlobStore({ dir });
    await blobs.init();
    try {
      const key = Buffer.alloc(32, 1);
      const createdAt = Math.floor(clock.now() / 1000);
      const id = mintMediaId(key, 'wxapp', createdAt, MEDIA_FORMATS[0]);
      async function* one() {
        yield Buffer.from('x');
      }
      await (await blobs.stage(id, { appid: 'wxapp', createdAt, contentType: 'image/jpeg', filename: 'a.jpg' }, one(), { maxBytes: 10 })).commit();

      const logger = pino({ level: 'silent' });
      const instances = [0, 1, 2].map(() => {
        const c = counting(blobs);
        return { ...c, sweeper: new Sweeper({ blobs: c.store, state, clock, logger, intervalSeconds: 60 }) };
      });
      clock.advance(MEDIA_TTL_SECONDS);
      const removed = await Promise.all(instances.map((i) => i.sweeper.tick()));
      assert.deepEqual(removed.sort(), [0, 0, 1], 'one instance swept the expired media');
      assert.deepEqual(instances.map((i) => i.sweeps()).sort(), [0, 0, 1]);
      const leader = instances.find((i) => i.sweeps() === 1)!;
      // The leader keeps the lead on later ticks; the others keep out.
      await Promise.all(instances.map((i) => i.sweeper.tick()));
      assert.equal(leader.sweeps(), 2);
      assert.equal(instances.reduce((n, i) => n + i.sweeps(), 0), 2, "and only the leader");
      // Stopped, it hands over: the next tick of another instance sweeps.
      await leader.sweeper.stop();
      const others = instances.filter((i) => i !== leader);
      await Promise.all(others.map((i) => i.sweeper.tick()));
      assert.deepEqual(others.map((i) => i.sweeps()).sort(), [0, 1]);
      await Promise.all(others.map((i) => i.sweeper.stop()));
    } finally {
      await blobs.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

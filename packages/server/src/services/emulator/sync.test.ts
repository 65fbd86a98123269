import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStateStore } from '../../storage/memory-state-store.ts';
import { EmulatorSync } from './sync.ts';

describe('EmulatorSync', () => {
  it('a sync called after a change sees it, even while a read from before the change is in flight', async () => {
    const state = new MemoryStateStore();
    const sync = new EmulatorSync(state);
    let loads = 0;
    sync.onReload(async () => {
      loads += 1;
    });
    const early = sync.sync(); // reads the revision now, before the change below
    await state.incr('emulator:rev'); // another instance changes the controls
    const late = sync.sync(); // a request that arrived after the change was acknowledged
    await Promise.all([early, late]);
    assert.equal(loads, 2, 'the late call waited for a read of the new revision, and reloaded');
  });

  it('calls arriving during one read share one follow-up read', async () => {
    const state = new MemoryStateStore();
    let reads = 0;
    const counting = Object.assign(Object.create(state) as MemoryStateStore, {
      get: (key: string) => {
        reads += 1;
        return state.get(key);
      },
    });
    const sync = new EmulatorSync(counting);
    await Promise.all([sync.sync(), sync.sync(), sync.sync(), sync.sync()]);
    assert.equal(reads, 2, 'the first call reads; the three that came during it share one more');
    await sync.sync();
    assert.equal(reads, 3, 'a call with nothing in flight reads at once');
  });
});

import { MemoryStateStore } from './memory-state-store.ts';
import { stateStoreConformance } from './state-store.conformance.ts';

stateStoreConformance('MemoryStateStore', async () => ({ store: new MemoryStateStore(), cleanup: async () => {} }), {
  skip: { 'state survives closing and reopening': 'a MemoryStateStore lives and dies with its process, by design' },
});

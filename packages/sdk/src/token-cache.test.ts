import { MemoryTokenCache } from './token-cache.ts';
import { tokenCacheConformance } from './token-cache.conformance.ts';

tokenCacheConformance('MemoryTokenCache', async () => ({ cache: new MemoryTokenCache(), cleanup: async () => {} }));

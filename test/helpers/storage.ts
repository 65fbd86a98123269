/**
 * The storage back ends the API tests run on, chosen by environment variable (as Azurite's tests choose theirs):
 *
 *   WXMEDIA_TEST_BLOB_STORE   file (default)
 *   WXMEDIA_TEST_STATE_STORE  lmdb (default) | memory
 *
 * Every server a test starts through test/helpers/server.ts runs on the chosen pair, so
 * `WXMEDIA_TEST_STATE_STORE=memory npm test` runs the whole API suite on the in-memory state store. The tests assert
 * behaviour through the server and the BlobStore contract, never a back end's own layout; `leftovers()` is the one
 * back-end-specific look they get, at what an unfinished write may have left on the medium.
 *
 * This is the one registry of test back ends. Adding one is adding an entry below: a factory that makes a fresh,
 * empty store for one server, in a namespace of its own, and a dispose() that removes everything it wrote. An S3
 * entry, say, starts s3rver on a free port (or reuses one the run started), gives each server a bucket of its own
 * and lists that bucket's incomplete multipart uploads and staging keys as leftovers; a Redis entry connects with
 * test/helpers/redis.ts (connectRedis) and gives each server a key prefix of its own (testPrefix), deleted by
 * dispose(). A back end that needs a service fails the run when the service is missing: whoever chose it by
 * variable wants it tested.
 */
import { join } from 'node:path';
import { FsBlobStore, LmdbStateStore, MemoryStateStore, type BlobStore, type StateStore } from '@wxmedia/server';
import { listFiles } from './files.ts';

/** What a factory is given: the server's own fresh data directory (back ends on disk may keep their files there). */
export interface BackendContext {
  readonly dataDir: string;
}

export interface TestBlobBackend {
  readonly store: BlobStore;
  /** How the server's overview (GET /wxmedia/admin/overview) names this store. */
  readonly overviewName: RegExp;
  /** What writes that never committed left on the medium (staged files, incomplete uploads), for residue checks. */
  leftovers(): Promise<string[]>;
  /** Removes everything the store wrote; called after the server has closed the store. */
  dispose(): Promise<void>;
}

export interface TestStateBackend {
  readonly store: StateStore;
  /** How the server's overview (GET /wxmedia/admin/overview) names this store. */
  readonly overviewName: RegExp;
  /** Removes everything the store wrote; called after the server has closed the store. */
  dispose(): Promise<void>;
}

export const BLOB_BACKENDS: Readonly<Record<string, (ctx: BackendContext) => Promise<TestBlobBackend>>> = {
  // The server's own default: files under the data directory, in `media/` and `staging/`.
  file: async ({ dataDir }) => ({
    store: new FsBlobStore({ dir: dataDir }),
    overviewName: /^filesystem \(/,
    leftovers: () => listFiles(join(dataDir, 'staging')),
    dispose: async () => {},
  }),
};

export const STATE_BACKENDS: Readonly<Record<string, (ctx: BackendContext) => Promise<TestStateBackend>>> = {
  // The server's own default: embedded LMDB under the data directory.
  lmdb: async ({ dataDir }) => ({ store: new LmdbStateStore({ path: join(dataDir, 'state') }), overviewName: /^lmdb \(/, dispose: async () => {} }),
  memory: async () => ({ store: new MemoryStateStore(), overviewName: /^memory$/, dispose: async () => {} }),
};

export const BLOB_STORE_VARIABLE = 'WXMEDIA_TEST_BLOB_STORE';
export const STATE_STORE_VARIABLE = 'WXMEDIA_TEST_STATE_STORE';

/** The back-end names this run uses; throws naming the choices when a variable names none. */
export function chosenBackends(env: NodeJS.ProcessEnv = process.env): { readonly blob: string; readonly state: string } {
  return { blob: choose(env, BLOB_STORE_VARIABLE, BLOB_BACKENDS, 'file'), state: choose(env, STATE_STORE_VARIABLE, STATE_BACKENDS, 'lmdb') };
}

function choose(env: NodeJS.ProcessEnv, variable: string, registry: Readonly<Record<string, unknown>>, fallback: string): string {
  const name = env[variable] || fallback;
  if (!Object.hasOwn(registry, name)) throw new Error(`${variable}=${name} names no test back end; choose one of: ${Object.keys(registry).join(', ')}`);
  return name;
}

/** A fresh blob store of the kind this run chose, for one server. */
export function chosenBlobBackend(ctx: BackendContext): Promise<TestBlobBackend> {
  return BLOB_BACKENDS[chosenBackends().blob]!(ctx);
}

/** A fresh state store of the kind this run chose, for one server. */
export function chosenStateBackend(ctx: BackendContext): Promise<TestStateBackend> {
  return STATE_BACKENDS[chosenBackends().state]!(ctx);
}

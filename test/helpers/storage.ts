/**
 * The storage back ends the API tests run on, chosen by environment variable (as Azurite's tests choose theirs):
 *
 *   WXMEDIA_TEST_BLOB_STORE   file (default) | s3
 *   WXMEDIA_TEST_STATE_STORE  lmdb (default) | memory | redis
 *
 * Every server a test starts through test/helpers/server.ts runs on the chosen pair, so
 * `WXMEDIA_TEST_STATE_STORE=memory npm test` runs the whole API suite on the in-memory state store. The server is
 * given each store as `--blob-store` / `--state-store` would give it (a spec such as `file` or `redis://…`), so it
 * opens it as `wxmedia serve` does. Tests assert behaviour through the server and the BlobStore contract (a handle
 * of their own on the same storage), never a back end's layout; `leftovers()` is the one back-end-specific look
 * they get, at what an unfinished write may have left behind.
 *
 * This is the one registry of test back ends: adding one is adding an entry below, a factory that makes a fresh,
 * empty store for one server in a namespace of its own (a directory, a bucket, a key prefix) and a dispose() that
 * removes everything it made. A back end that needs a service fails the run when the service is missing: whoever
 * chose it by variable wants it tested.
 */
import { join } from 'node:path';
import { FsBlobStore, S3BlobStore, type BlobStore } from '@wxmedia/server';
import { listFiles } from './files.ts';
import { connectRedis, deletePrefix, REDIS_URL, testPrefix } from './redis.ts';
import { startS3rver, type LocalS3 } from './s3rver.ts';

/** What a factory is given: the server's own fresh data directory (back ends on disk keep their files there). */
export interface BackendContext {
  readonly dataDir: string;
}

export interface TestBlobBackend {
  /** The server's `--blob-store`. */
  readonly spec: string;
  /** A handle of the test's own on the same storage, for looks through the contract (list, size); never init()ed. */
  readonly store: BlobStore;
  /** How the server's overview (GET /wxmedia/admin/overview, the dashboard) names this store: a line matching it. */
  readonly overviewName: RegExp;
  /** What writes that never committed left behind (staged or spooled files), for residue checks. */
  leftovers(): Promise<string[]>;
  /** Closes the handle and removes everything the store wrote; called after the server has closed. */
  dispose(): Promise<void>;
}

export interface TestStateBackend {
  /** The server's `--state-store`. */
  readonly spec: string;
  readonly overviewName: RegExp;
  /** Removes everything the store wrote; called after the server has closed. */
  dispose(): Promise<void>;
}

export const BLOB_BACKENDS: Readonly<Record<string, (ctx: BackendContext) => Promise<TestBlobBackend>>> = {
  // The server's default: files under the data directory (`media/`, and `staging/` while uploads arrive).
  file: async ({ dataDir }) => {
    const store = new FsBlobStore({ dir: dataDir });
    return { spec: 'file', store, overviewName: /^filesystem \(/m, leftovers: () => listFiles(join(dataDir, 'staging')), dispose: () => store.close() };
  },
  // A bucket of its own on the run's s3rver (test/helpers/s3rver.ts), reached through the AWS SDK's standard
  // settings as a deployment's would be; bodies spool under the data directory while they arrive.
  s3: async ({ dataDir }) => {
    const s3 = await sharedS3();
    const bucket = `wxmedia-test-${++buckets}`;
    await s3.createBucket(bucket);
    const store = new S3BlobStore({ client: s3.client(), bucket, spoolDir: join(dataDir, 'observer-spool') });
    return {
      spec: `s3://${bucket}?path_style=true`,
      store,
      overviewName: new RegExp(`^s3://${bucket}/`, 'm'),
      leftovers: () => listFiles(join(dataDir, 'spool')),
      async dispose() {
        await store.close();
        await s3.removeBucket(bucket);
        await releaseS3();
      },
    };
  },
};

export const STATE_BACKENDS: Readonly<Record<string, (ctx: BackendContext) => Promise<TestStateBackend>>> = {
  // The server's default: embedded LMDB under the data directory.
  lmdb: async () => ({ spec: 'lmdb', overviewName: /^lmdb \(/m, dispose: async () => {} }),
  memory: async () => ({ spec: 'memory', overviewName: /^memory$/m, dispose: async () => {} }),
  // The shared Redis (WXMEDIA_TEST_REDIS_URL, test/helpers/redis.ts), under a key prefix of this server's own.
  redis: async () => {
    const connected = await connectRedis();
    if ('skip' in connected) throw new Error(`WXMEDIA_TEST_STATE_STORE=redis: ${connected.skip}`);
    const prefix = testPrefix();
    const url = new URL(REDIS_URL);
    url.searchParams.set('prefix', prefix);
    return {
      spec: url.toString(),
      overviewName: /^redis:\/\//m,
      async dispose() {
        await deletePrefix(connected.redis, prefix);
        connected.redis.disconnect();
      },
    };
  },
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

/** A fresh blob store of the kind this run chose (or the one named, for a test about it), for one server. */
export function chosenBlobBackend(ctx: BackendContext, name = chosenBackends().blob): Promise<TestBlobBackend> {
  return backend(BLOB_BACKENDS, name)(ctx);
}

/** A fresh state store of the kind this run chose (or the one named, for a test about it), for one server. */
export function chosenStateBackend(ctx: BackendContext, name = chosenBackends().state): Promise<TestStateBackend> {
  return backend(STATE_BACKENDS, name)(ctx);
}

function backend<T>(registry: Readonly<Record<string, T>>, name: string): T {
  const factory = registry[name];
  if (factory === undefined) throw new Error(`no test back end ${name}; the registry has ${Object.keys(registry).join(', ')}`);
  return factory;
}

// One s3rver per test process while any server uses it (an open server would keep the process alive), pointed to
// by the AWS SDK's standard variables, which is how a server configured with s3://… finds its endpoint.
let s3: Promise<LocalS3> | undefined;
let s3Users = 0;
let buckets = 0;

async function sharedS3(): Promise<LocalS3> {
  s3Users++;
  s3 ??= startS3rver().then((started) => {
    Object.assign(process.env, started.env);
    return started;
  });
  return s3;
}

async function releaseS3(): Promise<void> {
  if (--s3Users > 0 || !s3) return;
  const stopping = s3;
  s3 = undefined;
  await (await stopping).dispose();
}

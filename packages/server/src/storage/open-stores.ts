import { join } from 'node:path';
import type { BlobStore } from './blob-store.ts';
import { FsBlobStore } from './fs-blob-store.ts';
import { LmdbStateStore } from './lmdb-state-store.ts';
import { MemoryStateStore } from './memory-state-store.ts';
import { connectRedisStateStore, parseRedisUrl, type RedisLocation } from './redis-config.ts';
import { S3BlobStore } from './s3-blob-store.ts';
import { createS3Client, parseS3Url, type S3Location } from './s3-config.ts';
import type { StateStore } from './state-store.ts';

/**
 * Which back ends `--blob-store` and `--state-store` name, checked before anything is opened:
 *   blob:  `file` (default: `<data>/media`) or `s3://BUCKET[/PREFIX][?path_style=true|false]`
 *   state: `lmdb` (default: `<data>/state`), `redis://[user:pass@]HOST:PORT[/DB][?prefix=P]` (`rediss://` for TLS),
 *          or `memory` (nothing kept: `--ephemeral`)
 */
export type BlobStoreSpec =
  | { readonly kind: 'file' }
  | ({ readonly kind: 's3' } & S3Location)
  /** A store made by the caller (tests, embedders). */
  | { readonly kind: 'given'; readonly store: BlobStore };
export type StateStoreSpec =
  | { readonly kind: 'lmdb' }
  | { readonly kind: 'memory' }
  | ({ readonly kind: 'redis' } & RedisLocation)
  | { readonly kind: 'given'; readonly store: StateStore };

/** Throws a TypeError saying what to write instead. */
export function parseBlobStoreSpec(text: string): BlobStoreSpec {
  if (text === 'file') return { kind: 'file' };
  if (text.startsWith('s3://')) return { kind: 's3', ...parseS3Url(text) };
  throw new TypeError(`blob store "${text}" is neither "file" nor s3://BUCKET[/PREFIX]`);
}

/** Throws a TypeError saying what to write instead (without echoing a password). */
export function parseStateStoreSpec(text: string): StateStoreSpec {
  if (text === 'lmdb') return { kind: 'lmdb' };
  if (text === 'memory') return { kind: 'memory' };
  if (/^rediss?:\/\//.test(text)) return { kind: 'redis', ...parseRedisUrl(text) };
  throw new TypeError('state store must be "lmdb", "memory" or redis://[user:pass@]HOST:PORT[/DB] (rediss:// for TLS)');
}

export function openBlobStore(spec: BlobStoreSpec, dataDir: string, warn?: (message: string) => void): BlobStore {
  if (spec.kind === 'given') return spec.store;
  if (spec.kind === 'file') return new FsBlobStore({ dir: dataDir });
  return new S3BlobStore({
    client: createS3Client({ forcePathStyle: spec.forcePathStyle, ...(warn ? { warn } : {}) }),
    bucket: spec.bucket,
    prefix: spec.prefix,
    spoolDir: join(dataDir, 'spool'),
  });
}

export async function openStateStore(spec: StateStoreSpec, dataDir: string, warn?: (message: string) => void): Promise<StateStore> {
  if (spec.kind === 'given') return spec.store;
  if (spec.kind === 'lmdb') return new LmdbStateStore({ path: join(dataDir, 'state'), ...(warn ? { warn } : {}) });
  if (spec.kind === 'memory') return new MemoryStateStore();
  return connectRedisStateStore(spec);
}

/** How a store spec is shown in a banner or a log line: the engine and where, never a password. */
export function describeStore(spec: BlobStoreSpec | StateStoreSpec, dataDir: string): string {
  switch (spec.kind) {
    case 'given':
      return spec.store.constructor.name;
    case 'file':
      return `filesystem (${dataDir})`;
    case 'lmdb':
      return `lmdb (${join(dataDir, 'state')})`;
    case 'memory':
      return 'memory';
    case 's3':
      return `s3://${spec.bucket}/${spec.prefix}`;
    case 'redis':
      return `${spec.tls ? 'rediss' : 'redis'}://${spec.host}:${spec.port}/${spec.db} (keys ${spec.keyPrefix}*)`;
  }
}

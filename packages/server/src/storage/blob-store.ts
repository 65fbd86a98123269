import type { Readable } from 'node:stream';

/**
 * BlobStore: where the bytes of media files live. The default is the local filesystem (fs-blob-store.ts); an
 * S3-compatible store plugs in behind the same contract. Every implementation passes blob-store.conformance.ts.
 *
 * Ids reaching a store are already checked by the media service (64 chars of [A-Za-z0-9_-]); stores check again
 * and treat anything else as absent, so no id can name a path outside the store.
 */
export interface BlobWriteMeta {
  readonly appid: string;
  /** Unix seconds; also written in the id. Stores may lay blobs out by it so sweeping costs what expires. */
  readonly createdAt: number;
  readonly contentType: string;
  /** The filename the uploader gave (for listings only; get names files after the media_id). */
  readonly filename: string;
}

export interface BlobInfo extends BlobWriteMeta {
  readonly id: string;
  readonly size: number;
}

/** Bytes written and durable but invisible until commit(); abort() removes them. One of the two must be called. */
export interface StagedBlob {
  readonly size: number;
  commit(): Promise<BlobInfo>;
  abort(): Promise<void>;
}

export interface ByteRange {
  /** First byte, inclusive. */
  readonly start: number;
  /** Last byte, inclusive. */
  readonly end: number;
}

/**
 * An opened blob: its size, and the requested range (or the whole blob) either as a stream or, when the store read
 * it whole in one go (a small blob: FsBlobStore), as bytes. Exactly one of `stream` and `bytes` is present.
 */
export type OpenedBlob = { readonly size: number } & BlobContent;

/** The content of an opened blob. A `stream` must be consumed or destroyed by the caller. */
export type BlobContent = { readonly stream: Readable; readonly bytes?: undefined } | { readonly bytes: Buffer; readonly stream?: undefined };

export interface BlobStats {
  readonly count: number;
  readonly bytes: number;
}

export class BlobTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`blob exceeds ${maxBytes} bytes`);
    this.name = 'BlobTooLargeError';
  }
}

export interface BlobStore {
  /** Prepares the store and removes leftovers of writes interrupted by a crash. Called once before use. */
  init(): Promise<void>;
  /** Resolves if the store can serve requests now, rejects if not, within a few seconds either way (/healthz). */
  ping(): Promise<void>;
  /**
   * Streams `body` into staging, enforcing `maxBytes` while streaming (BlobTooLargeError, nothing left behind)
   * and making the bytes durable (fsync) before resolving. A body that errors leaves nothing behind either.
   */
  stage(id: string, meta: BlobWriteMeta, body: AsyncIterable<Uint8Array>, options: { maxBytes: number }): Promise<StagedBlob>;
  /** Size of a committed blob, without reading it; undefined if absent. */
  size(id: string): Promise<number | undefined>;
  /** Opens a committed blob (or a byte range of it, already validated against its size); undefined if absent. */
  open(id: string, range?: ByteRange): Promise<OpenedBlob | undefined>;
  /** Everything known about a committed blob; undefined if absent. For listings, not for the get hot path. */
  info(id: string): Promise<BlobInfo | undefined>;
  /** Newest first, at most `limit`, optionally only one app's. For the admin API and dashboard. */
  list(options: { appid?: string; limit: number }): Promise<BlobInfo[]>;
  delete(id: string): Promise<boolean>;
  /**
   * How many committed blobs there are and their total size, for metrics and the dashboard (expired but not yet
   * swept ones included). Optional: without it the server adds up list() instead. May cost a walk of the store;
   * callers cache it.
   */
  stats?(): Promise<BlobStats>;
  /** Deletes every blob created before `createdBefore` (Unix seconds); returns how many. Cost grows with what is deleted. */
  sweep(createdBefore: number): Promise<number>;
  close(): Promise<void>;
}

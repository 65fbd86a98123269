import { createReadStream } from 'node:fs';
import { access, constants, mkdir, readdir, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { MEDIA_ID_PATTERN, mediaIdCreatedAt } from '@wxmedia/protocol';
import type { BlobInfo, BlobStats, BlobStore, BlobWriteMeta, ByteRange, OpenedBlob, StagedBlob } from './blob-store.ts';
import { PRIVATE_DIR_MODE } from './file-modes.ts';
import { writeBodyFile } from './body-file.ts';
import { DirectorySyncs } from './dir-sync.ts';
import { BLOB_HEADER_BYTES, decodeBlobHeader, encodeBlobHeader } from './fs-blob-header.ts';
import { closeFd, fstatFd, ifPresent, openFd, readAtFd, renamePath, statPath, syncDirectory } from './fs-calls.ts';
import { LEGACY_SIDECAR, legacyCommittedIds, readLegacySidecar } from './fs-legacy-layout.ts';
import { FsStagedBlob } from './fs-staged-blob.ts';
import { HOUR_BUCKET_NAME, HOUR_SECONDS, hourBucketName, hourBucketStart, listNewestFirst } from './hour-bucket.ts';
import { isLeftover, processFileName } from './process-files.ts';

export interface FsBlobStoreOptions {
  /** The media root inside the data directory; `media/` and `staging/` are created under it. */
  readonly dir: string;
}

/** Suffix of a committed blob file: its header (fs-blob-header.ts), then its bytes. */
const BLOB_SUFFIX = '.blob';
/** Files stats() reads at once: enough to hide latency, few enough to keep file descriptors bounded. */
const STATS_READ_BATCH = 16;
/**
 * Largest read a get stream makes: 32 concurrent gets of large blobs hold about 32 × this in flight. Measured on
 * 2 MiB gets at 32 concurrent (req/s): 64 KiB reads 475–550, 128 KiB 624–636, 256 KiB 624–679, 1 MiB 502–542.
 */
const MAX_READ_BYTES = 256 * 1024;
/**
 * A blob (or range) that fits in one such read is read whole and handed over as one buffer: no stream, no pipe
 * into the response, one write to the socket. The stream's machinery cost more than the read itself on 100 KiB
 * gets (docs/benchmarks.md).
 */
const WHOLE_READ_MAX_BYTES = MAX_READ_BYTES;
const MIN_READ_BYTES = 16 * 1024;

/**
 * The default BlobStore: plain files under the data directory.
 *
 *   <dir>/staging/<id>.<pid>.<uuid>       a blob being written: its header, then its bytes (unique name: two stages
 *                                         of one id never collide)
 *   <dir>/media/<YYYYMMDDHH>/<id>.blob    a committed blob: the same file, renamed in, in the UTC hour of the id's
 *                                         created_at
 *   <dir>/media/<YYYYMMDDHH>/<id>(.json)  a blob committed by wxmedia 0.1.0: read, never written (fs-legacy-layout.ts)
 *
 * Hour buckets make sweeping cost what expires: whole buckets are removed without looking inside, and only the one
 * bucket straddling the boundary is listed. Renaming the staged file into its bucket is the commit point, so a crash
 * at any moment leaves either nothing visible or a complete blob.
 *
 * What an upload costs on disk: one file written (header and bytes together) and fsynced, one rename, and a share
 * of an fsync of the bucket's directory (dir-sync.ts: concurrent commits share them). A bucket's directory is made
 * (and media/ fsynced) once per process and hour, not per upload.
 */
export class FsBlobStore implements BlobStore {
  readonly #media: string;
  readonly #staging: string;
  readonly #dirSyncs = new DirectorySyncs();
  /** Bucket directories this process has made sure of (made, and their entry in media/ durable). */
  readonly #readyBuckets = new Map<string, Promise<void>>();

  constructor(options: FsBlobStoreOptions) {
    this.#media = join(options.dir, 'media');
    this.#staging = join(options.dir, 'staging');
  }

  async init(): Promise<void> {
    await mkdir(this.#media, { recursive: true, mode: PRIVATE_DIR_MODE });
    await mkdir(this.#staging, { recursive: true, mode: PRIVATE_DIR_MODE });
    // What a dead process left in staging never committed (a crash, a kill -9). Several processes may share this
    // directory (--workers): a live one's uploads in flight are not leftovers.
    const leftovers = (await readdir(this.#staging)).filter(isLeftover);
    await Promise.all(leftovers.map((name) => rm(join(this.#staging, name), { recursive: true, force: true })));
  }

  async ping(): Promise<void> {
    // Uploads write into staging and rename into media: both must be there and writable.
    await Promise.all([access(this.#staging, constants.W_OK), access(this.#media, constants.W_OK)]);
  }

  async stage(id: string, meta: BlobWriteMeta, body: AsyncIterable<Uint8Array>, options: { maxBytes: number }): Promise<StagedBlob> {
    if (!MEDIA_ID_PATTERN.test(id)) throw new TypeError('FsBlobStore.stage: id is not a media id');
    // Reads find a blob through the created_at written in its id; a different meta.createdAt would file it in a
    // bucket where neither reads nor the sweeper would look for it.
    if (mediaIdCreatedAt(id) !== meta.createdAt) throw new TypeError('FsBlobStore.stage: meta.createdAt differs from the id');
    const stagedPath = join(this.#staging, processFileName(id));
    const head = encodeBlobHeader(meta);
    const size = await writeBodyFile(stagedPath, body, { maxBytes: options.maxBytes, sync: true, head });
    const bucket = join(this.#media, hourBucketName(meta.createdAt));
    const committedPath = join(bucket, `${id}${BLOB_SUFFIX}`);
    return new FsStagedBlob({
      info: { id, appid: meta.appid, createdAt: meta.createdAt, contentType: meta.contentType, filename: meta.filename, size },
      stagedPath,
      committedPath,
      place: () => this.#place(stagedPath, committedPath, bucket),
      syncPlace: () => this.#dirSyncs.sync(bucket),
    });
  }

  async size(id: string): Promise<number | undefined> {
    const paths = this.#paths(id);
    if (paths === undefined) return undefined;
    const blob = await ifPresent(() => statPath(paths.blob));
    if (blob !== undefined) return blob.size >= BLOB_HEADER_BYTES ? blob.size - BLOB_HEADER_BYTES : undefined;
    return (await ifPresent(() => statPath(paths.legacy)))?.size;
  }

  async open(id: string, range?: ByteRange): Promise<OpenedBlob | undefined> {
    const found = await this.#openCommitted(id);
    if (found === undefined) return undefined;
    const { fd, offset, size } = found;
    const start = offset + (range?.start ?? 0);
    const end = offset + (range?.end ?? size - 1);
    if (end - start + 1 <= WHOLE_READ_MAX_BYTES) {
      try {
        const bytes = await readAtFd(fd, end - start + 1, start);
        // Shorter only if the file shrank under us: never by this store, which writes blobs whole and renames them.
        if (bytes.length !== end - start + 1) throw new Error(`blob ${id} is shorter than its size`);
        return { size, bytes };
      } finally {
        await closeFd(fd);
      }
    }
    // The stream owns the descriptor from here: it closes it at its end, or when the caller destroys it.
    const highWaterMark = Math.min(MAX_READ_BYTES, Math.max(MIN_READ_BYTES, end - start + 1));
    return { size, stream: createReadStream('', { fd, start, end, highWaterMark }) };
  }

  async info(id: string): Promise<BlobInfo | undefined> {
    const createdAt = mediaIdCreatedAt(id);
    if (createdAt === undefined) return undefined;
    return this.#infoIn(hourBucketName(createdAt), id);
  }

  async list(options: { appid?: string; limit: number }): Promise<BlobInfo[]> {
    return listNewestFirst(
      {
        buckets: () => this.#buckets(),
        idsIn: async (bucket) => committedIds(await readdirIfPresent(join(this.#media, bucket))),
        info: (bucket, id) => this.#infoIn(bucket, id),
      },
      options,
    );
  }

  async delete(id: string): Promise<boolean> {
    const paths = this.#paths(id);
    if (paths === undefined) return false;
    if (await unlinkIfPresent(paths.blob)) return true;
    // The data file first: once it is gone the blob is gone, whatever happens to the sidecar.
    const existed = await unlinkIfPresent(paths.legacy);
    await rm(`${paths.legacy}${LEGACY_SIDECAR}`, { force: true });
    return existed;
  }

  async stats(): Promise<BlobStats> {
    let count = 0;
    let bytes = 0;
    for (const bucket of await this.#buckets()) {
      const ids = committedIds(await readdirIfPresent(join(this.#media, bucket)));
      for (let i = 0; i < ids.length; i += STATS_READ_BATCH) {
        const sizes = await Promise.all(ids.slice(i, i + STATS_READ_BATCH).map((id) => this.size(id)));
        for (const size of sizes) {
          if (size === undefined) continue;
          count += 1;
          bytes += size;
        }
      }
    }
    return { count, bytes };
  }

  async sweep(createdBefore: number): Promise<number> {
    let removed = 0;
    for (const bucket of await this.#buckets()) {
      const start = hourBucketStart(bucket);
      if (start >= createdBefore) continue;
      const dir = join(this.#media, bucket);
      const names = await readdirIfPresent(dir);
      if (start + HOUR_SECONDS <= createdBefore) {
        // Everything in this hour has expired: count (for the caller's log) and drop the directory whole.
        removed += names.filter(isDataFileName).length;
        this.#readyBuckets.delete(dir);
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      // The one bucket the boundary cuts: decide per file from the created_at in its name, without a stat.
      for (const name of names) {
        const createdAt = mediaIdCreatedAt(name.slice(0, ID_LENGTH));
        if (createdAt === undefined || createdAt >= createdBefore) continue;
        if ((await unlinkIfPresent(join(dir, name))) && isDataFileName(name)) removed += 1;
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    // Nothing is held open between calls; streams handed out by open() close themselves.
  }

  /** A committed blob's file, opened: where its bytes start in it and how many there are. */
  async #openCommitted(id: string): Promise<{ fd: number; offset: number; size: number } | undefined> {
    const paths = this.#paths(id);
    if (paths === undefined) return undefined;
    let offset = BLOB_HEADER_BYTES;
    let fd = await ifPresent(() => openFd(paths.blob, 'r'));
    if (fd === undefined) {
      offset = 0;
      fd = await ifPresent(() => openFd(paths.legacy, 'r'));
      if (fd === undefined) return undefined;
    }
    // Open first, then stat the descriptor: a delete or sweep between the two cannot be observed half-way.
    try {
      const size = (await fstatFd(fd)).size - offset;
      if (size >= 0) return { fd, offset, size };
    } catch (error) {
      await closeFd(fd);
      throw error;
    }
    // Shorter than a header: not a file this store wrote whole (outside damage), so not a blob.
    await closeFd(fd);
    return undefined;
  }

  async #infoIn(bucket: string, id: string): Promise<BlobInfo | undefined> {
    if (!MEDIA_ID_PATTERN.test(id)) return undefined;
    const dir = join(this.#media, bucket);
    const fd = await ifPresent(() => openFd(join(dir, `${id}${BLOB_SUFFIX}`), 'r'));
    if (fd !== undefined) {
      try {
        const { size } = await fstatFd(fd);
        return decodeBlobHeader(id, await readAtFd(fd, BLOB_HEADER_BYTES, 0), size);
      } finally {
        await closeFd(fd);
      }
    }
    // The data file decides whether a legacy blob exists; its sidecar may outlive it by a moment (delete, crash).
    const legacy = join(dir, id);
    if ((await ifPresent(() => statPath(legacy))) === undefined) return undefined;
    return readLegacySidecar(`${legacy}${LEGACY_SIDECAR}`);
  }

  /** Renames a staged file into its bucket, making the bucket first when this process has not yet. */
  async #place(stagedPath: string, committedPath: string, bucket: string): Promise<void> {
    await this.#bucketReady(bucket);
    try {
      await renamePath(stagedPath, committedPath);
    } catch (error) {
      // The bucket went away since (a sweep in this or another process; a clock moved back): make it again, once.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.#readyBuckets.delete(bucket);
      await this.#bucketReady(bucket);
      await renamePath(stagedPath, committedPath);
    }
  }

  /**
   * Makes `bucket` exist, durably: its entry in media/ is fsynced the first time this process uses it, even when
   * another process made it — that one's fsync may still be running, and an upload acknowledged here must not
   * depend on it. Once per process and hour; concurrent first uploads share it.
   */
  #bucketReady(bucket: string): Promise<void> {
    let ready = this.#readyBuckets.get(bucket);
    if (ready === undefined) {
      ready = (async () => {
        await mkdir(bucket, { recursive: true, mode: PRIVATE_DIR_MODE });
        await syncDirectory(this.#media);
      })();
      this.#readyBuckets.set(bucket, ready);
      // A failure is not remembered: the next upload tries again.
      ready.catch(() => {
        if (this.#readyBuckets.get(bucket) === ready) this.#readyBuckets.delete(bucket);
      });
    }
    return ready;
  }

  #paths(id: string): { blob: string; legacy: string } | undefined {
    // The pattern admits neither '.' nor '/', so no id can climb out of its bucket.
    const createdAt = mediaIdCreatedAt(id);
    if (createdAt === undefined) return undefined;
    const legacy = join(this.#media, hourBucketName(createdAt), id);
    return { blob: `${legacy}${BLOB_SUFFIX}`, legacy };
  }

  async #buckets(): Promise<string[]> {
    return (await readdirIfPresent(this.#media)).filter((name) => HOUR_BUCKET_NAME.test(name));
  }
}

/** Length of a media id, the start of every file name in a bucket. */
const ID_LENGTH = 64;

const isId = (name: string): boolean => MEDIA_ID_PATTERN.test(name);

/** A name in a bucket that holds a blob's bytes: `<id>.blob`, or 0.1.0's bare `<id>` (not its `.json` sidecar). */
function isDataFileName(name: string): boolean {
  return isId(name) || (name.endsWith(BLOB_SUFFIX) && isId(name.slice(0, -BLOB_SUFFIX.length)));
}

/** The ids of the committed blobs among one bucket's names, of either layout. */
function committedIds(names: string[]): string[] {
  const current = names.filter((name) => name.endsWith(BLOB_SUFFIX)).map((name) => name.slice(0, -BLOB_SUFFIX.length)).filter(isId);
  return [...current, ...legacyCommittedIds(names, isId)];
}

async function readdirIfPresent(dir: string): Promise<string[]> {
  return (await ifPresent(() => readdir(dir))) ?? [];
}

/** True if it removed the file, false if there was none. */
async function unlinkIfPresent(path: string): Promise<boolean> {
  const removed = await ifPresent(async () => {
    await unlink(path);
    return true;
  });
  return removed ?? false;
}

import { access, constants, mkdir, open, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { MEDIA_ID_PATTERN, mediaIdCreatedAt, parseJsonObject } from '@wxmedia/protocol';
import type { BlobInfo, BlobStats, BlobStore, BlobWriteMeta, ByteRange, OpenedBlob, StagedBlob } from './blob-store.ts';
import { PRIVATE_DIR_MODE } from './file-modes.ts';
import { writeBodyFile } from './body-file.ts';
import { FsStagedBlob, SIDECAR } from './fs-staged-blob.ts';
import { HOUR_BUCKET_NAME, HOUR_SECONDS, hourBucketName, hourBucketStart, listNewestFirst } from './hour-bucket.ts';
import { isLeftover, processFileName } from './process-files.ts';

export interface FsBlobStoreOptions {
  /** The media root inside the data directory; `media/` and `staging/` are created under it. */
  readonly dir: string;
}

/** Files stats() reads at once: enough to hide latency, few enough to keep file descriptors bounded. */
const STATS_READ_BATCH = 16;

/**
 * The default BlobStore: plain files under the data directory.
 *
 *   <dir>/staging/<id>.<pid>.<uuid>       bytes being written (unique name: two stages of one id never collide)
 *   <dir>/staging/<id>.<pid>.<uuid>.json  the sidecar, written at commit
 *   <dir>/media/<YYYYMMDDHH>/<id>        committed bytes, in the UTC hour of the id's created_at
 *   <dir>/media/<YYYYMMDDHH>/<id>.json   BlobInfo
 *
 * Hour buckets make sweeping cost what expires: whole buckets are removed without looking inside, and only the one
 * bucket straddling the boundary is listed. Renaming the data file into its bucket is the commit point, so a crash
 * at any moment leaves either nothing visible or a complete blob (an orphan sidecar is never read alone).
 */
export class FsBlobStore implements BlobStore {
  readonly #media: string;
  readonly #staging: string;

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
    const dataPath = join(this.#staging, processFileName(id));
    const size = await writeBodyFile(dataPath, body, { maxBytes: options.maxBytes, sync: true });
    const bucket = join(this.#media, hourBucketName(meta.createdAt));
    return new FsStagedBlob({ id, meta, size, dataPath, bucket, media: this.#media });
  }

  async size(id: string): Promise<number | undefined> {
    const path = this.#dataPath(id);
    if (path === undefined) return undefined;
    return (await ifPresent(() => stat(path)))?.size;
  }

  async open(id: string, range?: ByteRange): Promise<OpenedBlob | undefined> {
    const path = this.#dataPath(id);
    if (path === undefined) return undefined;
    // Open first, then stat the handle: a delete or sweep between the two cannot be observed half-way.
    const handle = await ifPresent(() => open(path, 'r'));
    if (handle === undefined) return undefined;
    try {
      const { size } = await handle.stat();
      const stream = handle.createReadStream(range ? { start: range.start, end: range.end } : {});
      return { size, stream };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async info(id: string): Promise<BlobInfo | undefined> {
    const path = this.#dataPath(id);
    if (path === undefined) return undefined;
    // The data file decides whether the blob exists; its sidecar may outlive it by a moment (delete, crash).
    if ((await this.size(id)) === undefined) return undefined;
    return readSidecar(`${path}${SIDECAR}`);
  }

  async list(options: { appid?: string; limit: number }): Promise<BlobInfo[]> {
    return listNewestFirst(
      {
        buckets: () => this.#buckets(),
        idsIn: async (bucket) => committedIds(await readdirIfPresent(join(this.#media, bucket))),
        info: (bucket, id) => readSidecar(join(this.#media, bucket, `${id}${SIDECAR}`)),
      },
      options,
    );
  }

  async delete(id: string): Promise<boolean> {
    const path = this.#dataPath(id);
    if (path === undefined) return false;
    // The data file first: once it is gone the blob is gone, whatever happens to the sidecar.
    const existed = await unlinkIfPresent(path);
    await rm(`${path}${SIDECAR}`, { force: true });
    return existed;
  }

  async stats(): Promise<BlobStats> {
    let count = 0;
    let bytes = 0;
    for (const bucket of await this.#buckets()) {
      const dir = join(this.#media, bucket);
      const ids = committedIds(await readdirIfPresent(dir));
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
        removed += names.filter((name) => !name.endsWith(SIDECAR)).length;
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      // The one bucket the boundary cuts: decide per file from the created_at in its name, without a stat.
      for (const name of names) {
        const id = name.endsWith(SIDECAR) ? name.slice(0, -SIDECAR.length) : name;
        const createdAt = mediaIdCreatedAt(id);
        if (createdAt === undefined || createdAt >= createdBefore) continue;
        if ((await unlinkIfPresent(join(dir, name))) && id === name) removed += 1;
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    // Nothing is held open between calls; streams handed out by open() close themselves.
  }

  #dataPath(id: string): string | undefined {
    // The pattern admits neither '.' nor '/', so no id can climb out of its bucket.
    const createdAt = mediaIdCreatedAt(id);
    return createdAt === undefined ? undefined : join(this.#media, hourBucketName(createdAt), id);
  }

  async #buckets(): Promise<string[]> {
    return (await readdirIfPresent(this.#media)).filter((name) => HOUR_BUCKET_NAME.test(name));
  }
}


/** Ids whose data file and sidecar are both present: the data file makes it committed, the sidecar describes it. */
function committedIds(names: string[]): string[] {
  const present = new Set(names);
  return names.filter((name) => MEDIA_ID_PATTERN.test(name) && present.has(`${name}${SIDECAR}`));
}


async function readSidecar(path: string): Promise<BlobInfo | undefined> {
  const text = await ifPresent(() => readFile(path, 'utf8'));
  // Sidecars are fsynced before they are renamed in, so a torn one means outside damage: treat it as absent.
  const value = text === undefined ? undefined : parseJsonObject(text);
  return value !== undefined && isBlobInfo(value) ? value : undefined;
}

function isBlobInfo(v: Record<string, unknown>): v is Record<string, unknown> & BlobInfo {
  return (
    typeof v['id'] === 'string' &&
    typeof v['appid'] === 'string' &&
    typeof v['contentType'] === 'string' &&
    typeof v['filename'] === 'string' &&
    typeof v['createdAt'] === 'number' &&
    typeof v['size'] === 'number'
  );
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

/**
 * What `op` resolves to, or undefined when the path it touches is absent: ENOENT, or ENOTDIR when a path component
 * is not a directory (either way there is no such blob). Any other failure is thrown.
 */
async function ifPresent<T>(op: () => Promise<T>): Promise<T | undefined> {
  try {
    return await op();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

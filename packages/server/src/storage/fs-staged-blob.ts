import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './file-modes.ts';
import { BlobTooLargeError, type BlobInfo, type BlobWriteMeta, type StagedBlob } from './blob-store.ts';

/** Suffix of the JSON file holding a blob's BlobInfo, beside its bytes (in staging, then in its bucket). */
export const SIDECAR = '.json';

export interface FsStagedBlobInit {
  readonly id: string;
  readonly meta: BlobWriteMeta;
  readonly size: number;
  /** The bytes, durable, in staging (see writeDurably). */
  readonly dataPath: string;
  /** The hour bucket the blob goes to on commit. */
  readonly bucket: string;
  /** The directory holding the buckets: fsynced when commit creates a bucket. */
  readonly media: string;
}

/**
 * Bytes written by FsBlobStore.stage(), waiting in staging. commit() writes the sidecar, renames it into the
 * bucket, then renames the bytes in: that last rename is the commit point, so a crash before it leaves an
 * orphan sidecar that no read looks at, and a crash after it a complete blob.
 */
export class FsStagedBlob implements StagedBlob {
  readonly size: number;
  readonly #init: FsStagedBlobInit;
  #commit: Promise<BlobInfo> | undefined;
  #aborted = false;

  constructor(init: FsStagedBlobInit) {
    this.#init = init;
    this.size = init.size;
  }

  /** A second call returns the first call's result; a failed commit may be followed by abort(). */
  commit(): Promise<BlobInfo> {
    if (this.#aborted) return Promise.reject(new Error('FsBlobStore: commit() after abort()'));
    this.#commit ??= this.#doCommit().catch((error: unknown) => {
      this.#commit = undefined;
      throw error;
    });
    return this.#commit;
  }

  /** Harmless when repeated, and after a successful commit (the committed blob stays). */
  async abort(): Promise<void> {
    if (this.#commit !== undefined) {
      try {
        await this.#commit;
        return;
      } catch {
        // The commit failed: fall through and clean up what it left in staging.
      }
    }
    this.#aborted = true;
    const { dataPath } = this.#init;
    await Promise.all([rm(dataPath, { force: true }), rm(`${dataPath}${SIDECAR}`, { force: true })]);
  }

  async #doCommit(): Promise<BlobInfo> {
    const { id, meta, size, dataPath, bucket, media } = this.#init;
    const info: BlobInfo = {
      appid: meta.appid,
      createdAt: meta.createdAt,
      contentType: meta.contentType,
      filename: meta.filename,
      size,
      id,
    };
    const sidecarPath = `${dataPath}${SIDECAR}`;
    const handle = await open(sidecarPath, 'w', PRIVATE_FILE_MODE);
    try {
      await handle.writeFile(JSON.stringify(info));
      await handle.sync();
    } finally {
      await handle.close();
    }
    // A new bucket directory must itself be durable in media/, or the renamed files could vanish with it.
    if ((await mkdir(bucket, { recursive: true, mode: PRIVATE_DIR_MODE })) !== undefined) await syncDir(media);
    const target = join(bucket, id);
    await rename(sidecarPath, `${target}${SIDECAR}`);
    await rename(dataPath, target); // the commit point
    await syncDir(bucket);
    return info;
  }
}

/** Streams `body` to a new file, at most `maxBytes`, then fsyncs it; on any failure the file is removed. */
export async function writeDurably(path: string, body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<number> {
  const handle = await open(path, 'wx', PRIVATE_FILE_MODE);
  let size = 0;
  try {
    try {
      // Each chunk is awaited before the next is pulled: the body's producer is held back, memory stays flat.
      for await (const chunk of body) {
        size += chunk.byteLength;
        if (size > maxBytes) throw new BlobTooLargeError(maxBytes);
        let written = 0;
        while (written < chunk.byteLength) {
          written += (await handle.write(chunk, written, chunk.byteLength - written)).bytesWritten;
        }
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
  return size;
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

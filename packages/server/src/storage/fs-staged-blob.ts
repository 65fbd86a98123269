import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './file-modes.ts';
import type { BlobInfo, BlobWriteMeta } from './blob-store.ts';
import { StagedOnce } from './staged-once.ts';

/** Suffix of the JSON file holding a blob's BlobInfo, beside its bytes (in staging, then in its bucket). */
export const SIDECAR = '.json';

export interface FsStagedBlobInit {
  readonly id: string;
  readonly meta: BlobWriteMeta;
  readonly size: number;
  /** The bytes, durable, in staging (written by writeBodyFile with sync). */
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
export class FsStagedBlob extends StagedOnce {
  readonly size: number;
  readonly #init: FsStagedBlobInit;

  constructor(init: FsStagedBlobInit) {
    super();
    this.#init = init;
    this.size = init.size;
  }

  protected async doAbort(): Promise<void> {
    const { dataPath } = this.#init;
    await Promise.all([rm(dataPath, { force: true }), rm(`${dataPath}${SIDECAR}`, { force: true })]);
  }

  protected async doCommit(): Promise<BlobInfo> {
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

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

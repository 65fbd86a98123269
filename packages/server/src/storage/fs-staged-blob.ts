import { rm } from 'node:fs/promises';
import type { BlobInfo } from './blob-store.ts';
import { StagedOnce } from './staged-once.ts';

export interface FsStagedBlobInit {
  readonly info: BlobInfo;
  /** The blob file (header and bytes), durable, in staging (written by writeBodyFile with sync). */
  readonly stagedPath: string;
  /** Where commit puts it: `<bucket>/<id>.blob`. */
  readonly committedPath: string;
  /** Renames the staged file to `committedPath`, making its bucket first if needed (FsBlobStore owns the buckets). */
  readonly place: () => Promise<void>;
  /** Resolves once the bucket's directory entries, as they are now, are durable. */
  readonly syncPlace: () => Promise<void>;
}

/**
 * A blob written by FsBlobStore.stage(), waiting in staging as one file: its header and its bytes, already
 * fsynced. commit() renames it into its bucket (the commit point: a crash before leaves nothing visible, after, a
 * complete blob) and resolves once the bucket's directory entry is durable too; abort() removes it.
 */
export class FsStagedBlob extends StagedOnce {
  readonly size: number;
  readonly #init: FsStagedBlobInit;
  /** The rename happened: a retried commit only syncs again, an abort removes the renamed file. */
  #placed = false;

  constructor(init: FsStagedBlobInit) {
    super();
    this.#init = init;
    this.size = init.info.size;
  }

  protected async doAbort(): Promise<void> {
    // After a commit that renamed but could not make it durable: the id was never handed out, so take it back.
    await rm(this.#placed ? this.#init.committedPath : this.#init.stagedPath, { force: true });
  }

  protected async doCommit(): Promise<BlobInfo> {
    if (!this.#placed) {
      await this.#init.place();
      this.#placed = true;
    }
    await this.#init.syncPlace();
    return this.#init.info;
  }
}

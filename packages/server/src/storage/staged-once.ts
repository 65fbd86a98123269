import type { BlobInfo, StagedBlob } from './blob-store.ts';

/**
 * The commit/abort rules every StagedBlob keeps (blob-store.ts), in one place: a second commit() returns the
 * first one's result, a failed commit may be retried or followed by abort(), abort() is harmless when repeated and
 * after a successful commit (the committed blob stays), and commit() after abort() rejects. Stores supply the two
 * actions.
 */
export abstract class StagedOnce implements StagedBlob {
  abstract readonly size: number;
  #commit: Promise<BlobInfo> | undefined;
  #aborted = false;

  /** Makes the blob visible; called at most once at a time, and never after abort. */
  protected abstract doCommit(): Promise<BlobInfo>;
  /** Removes what stage() and a failed commit left; must be harmless when repeated. */
  protected abstract doAbort(): Promise<void>;

  commit(): Promise<BlobInfo> {
    if (this.#aborted) return Promise.reject(new Error('StagedBlob: commit() after abort()'));
    this.#commit ??= this.doCommit().catch((error: unknown) => {
      this.#commit = undefined;
      throw error;
    });
    return this.#commit;
  }

  async abort(): Promise<void> {
    if (this.#commit !== undefined) {
      try {
        await this.#commit;
        return;
      } catch {
        // The commit failed: fall through and clean up what it left.
      }
    }
    this.#aborted = true;
    await this.doAbort();
  }
}

import type { Logger } from 'pino';
import { MEDIA_TTL_SECONDS } from '@wxmedia/protocol';
import { nowSeconds, type Clock } from '../clock.ts';
import type { BlobStore } from '../storage/blob-store.ts';

/**
 * Deletes the bytes of expired media. Expired media are already unreadable at the exact second (the id carries
 * its creation time); this only reclaims space, so it runs on a relaxed timer and its cost follows what expires.
 */
export class Sweeper {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;

  constructor(private readonly deps: { blobs: BlobStore; clock: Clock; logger: Logger; intervalSeconds: number }) {}

  start(): void {
    if (this.#timer) return;
    void this.sweepOnce();
    this.#timer = setInterval(() => void this.sweepOnce(), this.deps.intervalSeconds * 1000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One pass; concurrent calls share it. */
  sweepOnce(): Promise<number> {
    this.#running ??= this.deps.blobs
      .sweep(nowSeconds(this.deps.clock) - MEDIA_TTL_SECONDS + 1)
      .then((n) => {
        if (n > 0) this.deps.logger.info({ removed: n }, 'swept expired media');
        return n;
      })
      .catch((e: unknown) => {
        this.deps.logger.error({ err: { message: String((e as Error).message) } }, 'sweep failed');
        return 0;
      })
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }
}

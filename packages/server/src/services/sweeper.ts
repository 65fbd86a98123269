import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { MEDIA_TTL_SECONDS } from '@wxmedia/protocol';
import { nowSeconds, type Clock } from '../clock.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { StateStore } from '../storage/state-store.ts';

/** The state key naming the instance that sweeps; instances sharing a state store take turns through it. */
const LEADER_KEY = 'sweeper:leader';
/** The leader's claim outlives this many of its intervals, so it renews long before it lapses; at least a minute. */
const LEASE_INTERVALS = 3;
const MIN_LEASE_MS = 60_000;

export interface SweeperDeps {
  readonly blobs: BlobStore;
  readonly state: StateStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly intervalSeconds: number;
  /** Runs before each pass (the shared time-travel clock reads its offset). */
  readonly beforeSweep?: () => Promise<void>;
}

/**
 * Deletes the bytes of expired media. Expired media are already unreadable at the exact second (the id carries
 * its creation time); this only reclaims space, so it runs on a relaxed timer and its cost follows what expires.
 *
 * Of several instances on one state store, one sweeps: the leader, whose claim (a key written with setIfAbsent
 * and a lease of several intervals) it renews each pass. When the leader stops, its claim lapses and another
 * instance takes over within a lease.
 */
export class Sweeper {
  readonly #id = randomUUID();
  readonly #leaseMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;

  constructor(private readonly deps: SweeperDeps) {
    this.#leaseMs = Math.max(MIN_LEASE_MS, LEASE_INTERVALS * deps.intervalSeconds * 1000);
  }

  start(): void {
    if (this.#timer) return;
    void this.tick();
    this.#timer = setInterval(() => void this.tick(), this.deps.intervalSeconds * 1000);
    this.#timer.unref();
  }

  /** Stops the timer and gives up the leadership, so another instance takes over at its next tick. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
    try {
      if ((await this.deps.state.get(LEADER_KEY)) === this.#id) await this.deps.state.delete(LEADER_KEY);
    } catch {
      // The state store is away: the claim lapses by itself.
    }
  }

  /** One pass if this instance leads (taking the lead if nobody holds it); 0 when another instance does. */
  async tick(): Promise<number> {
    try {
      if (!(await this.#lead())) return 0;
    } catch (e) {
      this.deps.logger.warn({ err: { message: String((e as Error).message) } }, 'sweeper: state store unavailable, sweep skipped');
      return 0;
    }
    return this.sweepOnce();
  }

  /** One pass, whoever leads; concurrent calls share it. */
  sweepOnce(): Promise<number> {
    this.#running ??= (async () => {
      await this.deps.beforeSweep?.();
      return this.deps.blobs.sweep(nowSeconds(this.deps.clock) - MEDIA_TTL_SECONDS + 1);
    })()
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

  async #lead(): Promise<boolean> {
    const { state } = this.deps;
    if (await state.setIfAbsent(LEADER_KEY, this.#id, { ttlMs: this.#leaseMs })) return true;
    if ((await state.get(LEADER_KEY)) !== this.#id) return false;
    // Still ours: renew the lease, which is several intervals long, so it never lapses between two renewals.
    await state.set(LEADER_KEY, this.#id, { ttlMs: this.#leaseMs });
    return true;
  }
}

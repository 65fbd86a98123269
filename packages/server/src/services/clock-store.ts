import type { Clock } from '../clock.ts';
import type { StateStore } from '../storage/state-store.ts';

/** Where the time-travel offset lives, in milliseconds (an integer counter: advancing is one atomic incr). */
const OFFSET_KEY = 'clock:offset-ms';

/**
 * The time-travel clock (`--time-travel`) of every instance sharing a state store: real time plus an offset kept
 * in the store, so `POST /wxmedia/admin/clock` on one instance moves time on all of them. now() must be
 * synchronous, so it reads the offset this instance last saw; refresh() reads it again, and the server calls it
 * before each request (one state read, only when time travel is on) and before each sweep, so a request that
 * starts after an advance has returned sees the new time on any instance.
 */
export class SharedClock implements Clock {
  #offsetMs = 0;
  #refreshing: Promise<void> | undefined;

  constructor(
    private readonly state: StateStore,
    private readonly base: Clock = { now: () => Date.now() },
  ) {}

  now(): number {
    return this.base.now() + this.#offsetMs;
  }

  /** Reads the shared offset; concurrent callers share one read. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.state
      .get(OFFSET_KEY)
      .then((text) => {
        const offset = Number(text ?? 0);
        // The offset only grows; a read that raced an advance made here must not move this clock back.
        if (Number.isSafeInteger(offset) && offset > this.#offsetMs) this.#offsetMs = offset;
      })
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }

  /** Moves every instance's time forward by `seconds` (≥ 0). */
  async advance(seconds: number): Promise<void> {
    if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError('time only moves forward');
    const offset = await this.state.incr(OFFSET_KEY, { by: Math.round(seconds * 1000) });
    if (offset > this.#offsetMs) this.#offsetMs = offset;
  }
}

import { systemClock, type Clock, type ControllableClock } from '../../clock.ts';
import type { StateStore } from '../../storage/state-store.ts';
import type { EmulatorSync } from './sync.ts';

const OFFSET_KEY = 'clock:offset-ms';

/**
 * The `--time-travel` clock: real time plus an offset kept in the state store, so it survives a restart and every
 * instance sharing the store reads one clock (each re-reads the offset through EmulatorSync). An offset rather than
 * a fixed time, so the clock keeps running between moves, as every expiry test expects. `advance` is an atomic
 * increment: two instances advancing at once add up.
 */
export class SharedClock implements ControllableClock {
  #offsetMs = 0;

  constructor(
    private readonly state: StateStore,
    private readonly sync: EmulatorSync,
    private readonly base: Clock = systemClock,
  ) {
    sync.onReload(async () => {
      this.#offsetMs = Number(await this.state.get(OFFSET_KEY)) || 0;
    });
  }

  now(): number {
    return this.base.now() + this.#offsetMs;
  }

  /** Milliseconds between this clock and real time. */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  async advance(seconds: number): Promise<void> {
    if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError('advance moves time forward only');
    this.#offsetMs = await this.state.incr(OFFSET_KEY, { by: Math.round(seconds * 1000) });
    await this.sync.bump();
  }

  async set(ms: number): Promise<void> {
    const offset = Math.round(ms - this.base.now());
    await this.state.set(OFFSET_KEY, String(offset));
    this.#offsetMs = offset;
    await this.sync.bump();
  }

  async reset(): Promise<void> {
    await this.state.delete(OFFSET_KEY);
    this.#offsetMs = 0;
    await this.sync.bump();
  }
}

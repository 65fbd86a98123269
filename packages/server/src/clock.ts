/**
 * The one source of time for every expiry (media 259 200 s, tokens 7 200 s, the 5-minute overlap, quota days).
 * Tests and users (`--time-travel`) move it to reproduce 42001 and expired media on demand.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/**
 * A clock the admin API may move (`POST /wxmedia/admin/clock`): forward by some seconds, to a given time, or back
 * to real time. Methods may be synchronous (in-memory clocks) or not (the clock shared through the state store).
 */
export interface ControllableClock extends Clock {
  advance(seconds: number): void | Promise<void>;
  /** From now on the clock reads `ms` and runs on from there. */
  set(ms: number): void | Promise<void>;
  /** Back to real time. */
  reset(): void | Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now() };

export function isControllable(clock: Clock): clock is ControllableClock {
  const c = clock as Partial<ControllableClock>;
  return typeof c.advance === 'function' && typeof c.set === 'function' && typeof c.reset === 'function';
}

/** A clock that runs with real time plus an offset, in this process only (SharedClock shares one between instances). */
export class OffsetClock implements ControllableClock {
  #offsetMs = 0;
  constructor(private readonly base: Clock = systemClock) {}
  now(): number {
    return this.base.now() + this.#offsetMs;
  }
  advance(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError('advance moves time forward only');
    this.#offsetMs += Math.round(seconds * 1000);
  }
  set(ms: number): void {
    this.#offsetMs = ms - this.base.now();
  }
  reset(): void {
    this.#offsetMs = 0;
  }
}

/** A clock that stands still until told to move: exact-second tests. */
export class ManualClock implements ControllableClock {
  constructor(private ms: number = Date.now()) {}
  now(): number {
    return this.ms;
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
  set(ms: number): void {
    this.ms = ms;
  }
  /** Jumps to the real time of this moment (and stands still there). */
  reset(): void {
    this.ms = Date.now();
  }
}

export function nowSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}

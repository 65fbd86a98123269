/**
 * The one source of time for every expiry (media 259 200 s, tokens 7 200 s, the 5-minute overlap, quota days).
 * Tests and users (`--time-travel`) move it forward to reproduce 42001 and expired media on demand.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that runs with real time plus an offset that only grows. */
export class OffsetClock implements Clock {
  #offsetMs = 0;
  constructor(private readonly base: Clock = systemClock) {}
  now(): number {
    return this.base.now() + this.#offsetMs;
  }
  advance(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError('time only moves forward');
    this.#offsetMs += seconds * 1000;
  }
}

/** A clock that stands still until told to move: exact-second tests. */
export class ManualClock implements Clock {
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
}

export function nowSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}

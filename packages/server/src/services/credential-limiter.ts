import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { WxError } from '../errors.ts';
import type { StateStore } from '../storage/state-store.ts';

export interface CredentialLimiterDeps {
  readonly state: StateStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Failed checks allowed per minute for one subject and client address; 0: no limit. */
  readonly perMinute: number;
}

const WINDOW_MS = 60_000;
/** Counters outlive their minute by this much in the store (a clean-up hint; the key names its minute). */
const COUNTER_TTL_MS = 2 * WINDOW_MS;

/**
 * Guessing secrets is slowed to `perMinute` wrong guesses per minute for each pair of subject (an appid, or `admin`
 * for the admin key) and client address. Past that, the pair is answered 45011 (WeChat's minute-quota errcode) for
 * the rest of the minute, whatever it sends — a right secret included, or the limit would leak which guess was
 * right. Other addresses, and other apps from the same address, are unaffected.
 *
 * The counters live in the state store, so every instance sharing it counts together and one of them — the one
 * whose increment reaches the limit — logs the lock-out, once per minute. Each instance also remembers the pairs it
 * saw locked out this minute: a lock-out lasts the whole minute everywhere, so answering those from memory is never
 * wrong, and a flood of guesses from a locked-out pair costs no store traffic.
 */
export class CredentialLimiter {
  #lockedWindow = -1;
  readonly #locked = new Set<string>();

  constructor(private readonly deps: CredentialLimiterDeps) {}

  /** Throws 45011 when the pair is locked out this minute. Call before checking the credential. */
  async check(subject: string, client: string): Promise<void> {
    if (this.deps.perMinute === 0) return;
    const window = this.#window();
    const pair = pairOf(subject, client);
    if (this.#isLocked(window, pair)) throw lockedOut();
    const failures = Number(await this.deps.state.get(counterKey(window, pair))) || 0;
    if (failures >= this.deps.perMinute) {
      this.#lock(window, pair);
      throw lockedOut();
    }
  }

  /**
   * Counts a failed check. Returns the error to answer: `wrong` while the pair is within its allowance, 45011 once
   * concurrent failures have taken it past (they all passed check() before any was counted).
   */
  async fail(subject: string, client: string, wrong: Error): Promise<Error> {
    if (this.deps.perMinute === 0) return wrong;
    const window = this.#window();
    const pair = pairOf(subject, client);
    const failures = await this.deps.state.incr(counterKey(window, pair), { ttlMs: COUNTER_TTL_MS });
    if (failures === this.deps.perMinute) {
      this.deps.logger.warn(
        { subject, client, failures, until: new Date((window + 1) * WINDOW_MS).toISOString() },
        'too many failed credential checks: 45011 for this subject and address until the minute ends',
      );
    }
    if (failures >= this.deps.perMinute) this.#lock(window, pair);
    return failures > this.deps.perMinute ? lockedOut() : wrong;
  }

  /** Seconds until the current minute ends (and with it every lock-out): a Retry-After. */
  secondsLeft(): number {
    return Math.max(1, Math.ceil(((this.#window() + 1) * WINDOW_MS - this.deps.clock.now()) / 1000));
  }

  #window(): number {
    return Math.floor(this.deps.clock.now() / WINDOW_MS);
  }

  #isLocked(window: number, pair: string): boolean {
    return window === this.#lockedWindow && this.#locked.has(pair);
  }

  #lock(window: number, pair: string): void {
    if (window < this.#lockedWindow) return;
    if (window !== this.#lockedWindow) {
      this.#locked.clear();
      this.#lockedWindow = window;
    }
    this.#locked.add(pair);
  }
}

function pairOf(subject: string, client: string): string {
  return `${subject}|${client}`;
}

function counterKey(window: number, pair: string): string {
  return `credential-failures:${window}:${pair}`;
}

function lockedOut(): WxError {
  return new WxError('MINUTE_QUOTA', 'too many failed credential checks this minute');
}

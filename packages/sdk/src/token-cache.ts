/**
 * Where access tokens are kept between calls — and, with a shared store, between processes. Octokit's contract:
 * anything with an async get/set is a cache. Implementing `lock` as well makes a fleet refresh once instead of once
 * per process; without it each process refreshes on its own (still once at a time within the process).
 */
export interface CachedToken {
  readonly accessToken: string;
  /** Unix time in ms at which WeChat stops accepting the token. */
  readonly expiresAt: number;
  /** Unix time in ms from which the token is refreshed rather than used (shortly before `expiresAt`). */
  readonly refreshAt: number;
}

export interface TokenCache {
  get(key: string): Promise<CachedToken | undefined>;
  /** `ttlMs`: how long the entry is worth keeping; a cache may drop it then. */
  set(key: string, value: CachedToken, ttlMs: number): Promise<void>;
  /**
   * Tries to take the refresh lock for `key` for at most `ttlMs` (so a crashed holder cannot block the fleet).
   * Resolves to a release function, or undefined when another holder has it.
   */
  lock?(key: string, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
}

/** The default cache: this process only. Its lock also covers several clients that share one instance. */
export class MemoryTokenCache implements TokenCache {
  readonly #entries = new Map<string, { value: CachedToken; until: number }>();
  /** Per key: until when the lock is held, and by whom (an object of the holder's own, so a stale release is a no-op). */
  readonly #locks = new Map<string, { until: number; holder: object }>();

  async get(key: string): Promise<CachedToken | undefined> {
    const hit = this.#entries.get(key);
    if (!hit) return undefined;
    if (Date.now() >= hit.until) {
      this.#entries.delete(key);
      return undefined;
    }
    return hit.value;
  }

  async set(key: string, value: CachedToken, ttlMs: number): Promise<void> {
    this.#entries.set(key, { value, until: Date.now() + ttlMs });
  }

  async lock(key: string, ttlMs: number): Promise<(() => Promise<void>) | undefined> {
    const held = this.#locks.get(key);
    if (held !== undefined && held.until > Date.now()) return undefined;
    const holder = {};
    this.#locks.set(key, { until: Date.now() + ttlMs, holder });
    return async () => {
      if (this.#locks.get(key)?.holder === holder) this.#locks.delete(key);
    };
  }
}

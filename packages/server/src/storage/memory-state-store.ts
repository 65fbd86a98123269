import type { StateStore, StateWriteOptions } from './state-store.ts';
import { nextCounterValue } from './state-counter.ts';

interface Entry {
  readonly value: string;
  /** Date.now() at which the entry stops existing; absent when it never expires. */
  readonly expiresAt?: number;
}

/**
 * A StateStore in a Map, for tests and throw-away servers: nothing survives the process. Every operation runs
 * synchronously inside one call, so each is atomic without locks. Expired entries are dropped when touched
 * (TTLs are a clean-up hint, see state-store.ts), so no timer keeps the process alive.
 */
export class MemoryStateStore implements StateStore {
  readonly #entries = new Map<string, Entry>();

  async ping(): Promise<void> {
    // Always ready: it lives in this process.
  }

  async get(key: string): Promise<string | undefined> {
    return this.#live(key)?.value;
  }

  async set(key: string, value: string, options?: StateWriteOptions): Promise<void> {
    this.#entries.set(key, entry(value, options?.ttlMs));
  }

  async setIfAbsent(key: string, value: string, options?: StateWriteOptions): Promise<boolean> {
    if (this.#live(key) !== undefined) return false;
    this.#entries.set(key, entry(value, options?.ttlMs));
    return true;
  }

  async delete(key: string): Promise<boolean> {
    const existed = this.#live(key) !== undefined;
    this.#entries.delete(key);
    return existed;
  }

  async incr(key: string, options?: StateWriteOptions & { readonly by?: number }): Promise<number> {
    const current = this.#live(key);
    const next = nextCounterValue(key, current?.value, options?.by);
    // Like Redis INCR: the TTL is set when the counter is created and kept by later increments.
    this.#entries.set(key, current ? { ...current, value: String(next) } : entry(String(next), options?.ttlMs));
    return next;
  }

  async keys(prefix: string): Promise<string[]> {
    const found: string[] = [];
    for (const key of this.#entries.keys()) {
      if (key.startsWith(prefix) && this.#live(key) !== undefined) found.push(key);
    }
    return found.sort();
  }

  async close(): Promise<void> {
    this.#entries.clear();
  }

  #live(key: string): Entry | undefined {
    const found = this.#entries.get(key);
    if (found?.expiresAt !== undefined && found.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return found;
  }
}

function entry(value: string, ttlMs: number | undefined): Entry {
  return ttlMs === undefined ? { value } : { value, expiresAt: Date.now() + ttlMs };
}

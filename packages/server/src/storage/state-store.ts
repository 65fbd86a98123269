/**
 * StateStore: apps, token generations, quota counters, rate limits and the signing key. The default is embedded
 * and persistent (lmdb-state-store.ts); Redis plugs in behind the same contract so several instances share state.
 * Every implementation passes state-store.conformance.ts.
 *
 * Values are strings (callers JSON-encode). `ttlMs` is in real time and only a clean-up hint: correctness never
 * depends on it (quota keys name their day, token state names its generation), so the injectable clock can move
 * freely in tests.
 */
export interface StateWriteOptions {
  /** Remove the key this long after it is written (real time). */
  readonly ttlMs?: number;
  /**
   * When the write's promise resolves (default `disk`):
   * - `disk`: once the write is on stable storage. It survives a crash of the process, of the OS, a power cut.
   * - `deferred`: once the write has its place in the order every user of the store sees (so an incr's result is
   *   exact across every process and instance sharing the store), with its commit to disk still in flight. A crash
   *   of the process or of the OS in those few milliseconds may lose it, and so may a commit that then fails (a
   *   full disk). For counts that may come out a little short after a crash (quota counters), never for apps,
   *   tokens or keys. PostgreSQL's `synchronous_commit = off` makes the same trade.
   * A store whose writes cost the same either way treats `deferred` as `disk` (Redis: its own persistence rules).
   */
  readonly durability?: StateDurability;
}

export type StateDurability = 'disk' | 'deferred';

export interface StateStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, options?: StateWriteOptions): Promise<void>;
  /** Writes only if the key is absent; true if it wrote. Atomic across every user of the store. */
  setIfAbsent(key: string, value: string, options?: StateWriteOptions): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  /**
   * Atomically adds `by` (default 1) to an integer counter, creating it at 0 first, and returns the new value.
   * `ttlMs` applies when the counter is created.
   */
  incr(key: string, options?: StateWriteOptions & { readonly by?: number }): Promise<number>;
  /** Keys starting with `prefix`, in lexical order. */
  keys(prefix: string): Promise<string[]>;
  /** Resolves if the store can serve requests now, rejects if not, within a few seconds either way (/healthz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

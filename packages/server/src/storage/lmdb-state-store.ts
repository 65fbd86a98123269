import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './file-modes.ts';
import type { StateStore, StateWriteOptions } from './state-store.ts';
import { nextCounterValue } from './state-counter.ts';

export interface LmdbStateStoreOptions {
  /**
   * With an extension, the database file (e.g. `<dir>/state.mdb`, lmdb adds `<path>-lock` beside it); without one,
   * a directory holding `data.mdb` and `lock.mdb` (e.g. `<data dir>/state`). Missing directories are created.
   */
  readonly path: string;
  /** How often keys past their TTL are removed from disk, in ms (default 60 000). Reads never return them anyway. */
  readonly purgeIntervalMs?: number;
  /**
   * Told what went wrong where no caller is waiting any more: a deferred write whose commit failed, a purge that
   * failed. The server passes its logger, so JSON-log setups see it; the default is a process warning.
   */
  readonly warn?: (message: string) => void;
}

const DEFAULT_PURGE_INTERVAL_MS = 60_000;
/** Expired keys removed per write transaction, so that a large purge never holds the write lock for long. */
const PURGE_BATCH = 1000;

/** A stored value with its expiry (Date.now() ms), if any. */
interface Entry {
  readonly value: string;
  readonly expiresAt: number | undefined;
}

/**
 * The default StateStore: an embedded LMDB environment under the data directory. Every write runs in an LMDB write
 * transaction (one writer at a time, across processes too), which is what makes setIfAbsent and incr atomic. A
 * write resolves once that transaction is flushed to disk (lmdb's default sync mode, never noSync): it survives a
 * restart, a kill -9 and a power cut. A `deferred` write (quota counters) resolves once it has run inside the
 * transaction, before the commit: see #write.
 *
 * Values are stored as `<expiresAt or nothing>|<value>`, so reading a key and its TTL is one lookup. A second
 * table indexes keys by [expiresAt, key] so the purge timer finds what expired by a range scan instead of reading
 * every key.
 */
export class LmdbStateStore implements StateStore {
  readonly #root: RootDatabase;
  readonly #values: Database<string, string>;
  readonly #expiry: Database<string, [number, string]>;
  readonly #timer: NodeJS.Timeout;
  readonly #warn: (message: string) => void;
  #closing: Promise<void> | undefined;

  constructor(options: LmdbStateStoreOptions) {
    createPrivateFiles(options.path);
    this.#warn = options.warn ?? ((message) => process.emitWarning(message));
    // eventTurnBatching off: with it, lmdb starts each batch with a promise of its own that nothing awaits, and a
    // failed commit (ENOSPC) rejects it — an unhandled rejection that ends the process.
    this.#root = open({ path: options.path, maxDbs: 2, eventTurnBatching: false });
    this.#values = this.#root.openDB<string, string>({ name: 'values', encoding: 'string' });
    this.#expiry = this.#root.openDB<string, [number, string]>({ name: 'expiry', encoding: 'string' });
    this.#timer = setInterval(() => void this.#purgeInBackground(), options.purgeIntervalMs ?? DEFAULT_PURGE_INTERVAL_MS);
    // Purging is housekeeping: it must never keep a CLI command or a test process alive.
    this.#timer.unref();
  }

  async get(key: string): Promise<string | undefined> {
    return this.#live(key)?.value;
  }

  async set(key: string, value: string, options?: StateWriteOptions): Promise<void> {
    await this.#write(() => this.#put(key, value, expiryOf(options?.ttlMs)), options);
  }

  async setIfAbsent(key: string, value: string, options?: StateWriteOptions): Promise<boolean> {
    // Not lmdb's ifNoExists: a key past its TTL but not yet purged still exists on disk and must count as absent.
    return this.#write(() => {
      if (this.#live(key) !== undefined) return false;
      this.#put(key, value, expiryOf(options?.ttlMs));
      return true;
    }, options);
  }

  async delete(key: string): Promise<boolean> {
    return this.#write(() => {
      const existed = this.#live(key) !== undefined;
      this.#values.removeSync(key);
      return existed;
    });
  }

  async incr(key: string, options?: StateWriteOptions & { readonly by?: number }): Promise<number> {
    return this.#write(() => {
      const current = this.#live(key);
      const next = nextCounterValue(key, current?.value, options?.by);
      // Like Redis INCR: the TTL is set when the counter is created and kept by later increments.
      this.#put(key, String(next), current ? current.expiresAt : expiryOf(options?.ttlMs));
      return next;
    }, options);
  }

  async keys(prefix: string): Promise<string[]> {
    const found: string[] = [];
    const range = prefix === '' ? this.#values.getRange() : this.#values.getRange({ start: prefix });
    // Keys sharing a prefix are contiguous in LMDB's order, so the scan stops at the first key without it.
    for (const { key, value } of range) {
      if (typeof key !== 'string' || !key.startsWith(prefix)) break;
      if (!isExpired(decode(value))) found.push(key);
    }
    // LMDB orders by UTF-8 bytes; sort as every other store does (JavaScript string order).
    return found.sort();
  }

  async ping(): Promise<void> {
    if (this.#closing !== undefined) throw new Error('LmdbStateStore: closed');
    // A read through the environment: fails if the database file became unreadable.
    this.#values.get('');
  }

  /** Removes keys whose TTL has passed; returns how many. Runs on a timer; callable directly (tests, tools). */
  async purgeExpired(): Promise<number> {
    let removed = 0;
    for (;;) {
      const due = [...this.#expiry.getKeys({ end: [Date.now() + 1], limit: PURGE_BATCH })];
      if (due.length === 0) return removed;
      removed += await this.#write(() => {
        let count = 0;
        for (const indexKey of due) {
          const [expiresAt, key] = indexKey;
          // The index may be stale (the key was rewritten since): remove the key only if this is still its expiry.
          const raw = this.#values.get(key);
          if (raw !== undefined && decode(raw).expiresAt === expiresAt) {
            this.#values.removeSync(key);
            count += 1;
          }
          this.#expiry.removeSync(indexKey);
        }
        return count;
      });
      if (due.length < PURGE_BATCH) return removed;
    }
  }

  close(): Promise<void> {
    clearInterval(this.#timer);
    this.#closing ??= this.#root.close();
    return this.#closing;
  }

  /**
   * Runs `action` in one LMDB write transaction. With `disk` durability, resolves once the transaction is flushed.
   * With `deferred`, resolves as soon as `action` has run: it runs inside the write transaction, which holds
   * LMDB's one writer lock (across processes too), so its result is final in every user's order; the commit and
   * its flush follow in the same batch, a few milliseconds later. A commit that then fails is reported as a
   * warning (nobody awaits it any more) and its writes are lost, as the contract says.
   */
  #write<T>(action: () => T, options?: StateWriteOptions): Promise<T> {
    if (options?.durability === 'deferred') return this.#writeDeferred(action);
    return this.#writeDurably(action);
  }

  async #writeDurably<T>(action: () => T): Promise<T> {
    try {
      const result = await this.#root.transaction(action);
      await this.#root.flushed;
      return result;
    } catch (error) {
      throw await explainCommitError(error);
    }
  }

  #writeDeferred<T>(action: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let ran = false;
      const committed = this.#root.transaction(() => {
        const result = action();
        ran = true;
        resolve(result);
        return result;
      });
      committed.catch(async (error: unknown) => {
        const explained = await explainCommitError(error);
        if (!ran) reject(explained);
        else this.#warn(`LmdbStateStore: a deferred write was lost: ${String(explained)}`);
      });
    });
  }

  /** Only inside #write. */
  #put(key: string, value: string, expiresAt: number | undefined): void {
    this.#values.putSync(key, encode({ value, expiresAt }));
    if (expiresAt !== undefined) this.#expiry.putSync([expiresAt, key], '');
  }

  #live(key: string): Entry | undefined {
    const raw = this.#values.get(key);
    if (raw === undefined) return undefined;
    const entry = decode(raw);
    return isExpired(entry) ? undefined : entry;
  }

  async #purgeInBackground(): Promise<void> {
    try {
      await this.purgeExpired();
    } catch (error) {
      // After close() the environment is gone; otherwise say so once per tick and let the next tick retry.
      if (this.#closing === undefined) this.#warn(`LmdbStateStore: purging expired keys failed: ${String(error)}`);
    }
  }
}

function expiryOf(ttlMs: number | undefined): number | undefined {
  return ttlMs === undefined ? undefined : Date.now() + ttlMs;
}

function isExpired(entry: Entry): boolean {
  return entry.expiresAt !== undefined && entry.expiresAt <= Date.now();
}

function encode(entry: Entry): string {
  return `${entry.expiresAt ?? ''}|${entry.value}`;
}

function decode(raw: string): Entry {
  const bar = raw.indexOf('|');
  const head = raw.slice(0, bar);
  return { value: raw.slice(bar + 1), expiresAt: head === '' ? undefined : Number(head) };
}

/**
 * lmdb rejects a failed commit (e.g. ENOSPC when the file must grow on a full disk) with a generic "Commit failed"
 * Error whose `commitError` is a second, shared promise rejected with the cause. Nothing else awaits that promise:
 * observe it here (or the process dies of an unhandled rejection) and name the cause, which the log line needs.
 * The write itself rolled back: the next one, once space is back, succeeds.
 */
async function explainCommitError(error: unknown): Promise<unknown> {
  const pending = (error as { commitError?: unknown } | undefined)?.commitError;
  if (!(pending instanceof Promise)) return error;
  // lmdb rejects it in the same callback as the commit, so it has settled by now; never wait on it for long.
  const cause: unknown = await Promise.race([pending.then(() => undefined, (e: unknown) => e), new Promise((r) => setImmediate(r, undefined))]);
  if (!(cause instanceof Error)) return error;
  return new Error(`state store write failed: ${cause.message}`, { cause });
}

/** The lmdb files, made beforehand with owner-only modes (lmdb itself creates them 0664 less the umask). */
function createPrivateFiles(path: string): void {
  const subdir = extname(path) === '';
  const dir = subdir ? path : dirname(path);
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const files = subdir ? [join(path, 'data.mdb'), join(path, 'lock.mdb')] : [path, `${path}-lock`];
  for (const file of files) {
    // An empty file is a new environment to lmdb; an existing one keeps its contents and only loses wider modes.
    closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
    chmodSync(file, PRIVATE_FILE_MODE);
  }
}

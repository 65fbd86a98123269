import { CLOUD_API_PATHS, PATHS, type CallRecord, type MinuteStats } from '@wxmedia/protocol';
import { redactedCall, type CallToRecord } from './call-redaction.ts';

/** Calls kept by default; the oldest drops out first. */
export const DEFAULT_CALL_LOG_SIZE = 1000;
const MINUTE_MS = 60_000;
const MINUTES_KEPT = 60;

export interface CallQuery {
  readonly limit?: number;
  readonly appid?: string;
  readonly api?: string;
  /** Only failed calls (errcode ≠ 0, or dropped). */
  readonly failed?: boolean;
}

/**
 * A recorded call: as handed over (unredacted), and its redacted form once someone has read it. Only `read()` gives
 * the call out, so no reader (recent, byRid, subscribers, the peers answered through them) sees it unredacted.
 * Filters and counts look at `raw`'s plain fields (rid, appid, api, errcode…), which redaction leaves as they are.
 */
class StoredCall {
  #read: CallRecord | undefined;

  constructor(readonly raw: CallToRecord) {}

  read(): CallRecord {
    return (this.#read ??= redactedCall(this.raw));
  }
}

interface Minute {
  readonly minute: number;
  uploads: number;
  gets: number;
  calls: number;
  errors: number;
  readonly byErrcode: Map<number, number>;
}

/**
 * The recent WeChat API calls this instance answered, newest first, for the dashboard's Calls view, `wxmedia calls`
 * and the lookup by rid. Kept in memory per instance on purpose: recording in the shared state store would add a
 * durable write to every call. Also keeps per-minute counts (real time) for the overview.
 */
export class CallLog {
  readonly #ring: (StoredCall | undefined)[];
  #next = 0;
  readonly #byRid = new Map<string, StoredCall>();
  readonly #minutes: Minute[] = [];
  readonly #listeners = new Set<(call: CallRecord) => void>();

  constructor(readonly capacity: number = DEFAULT_CALL_LOG_SIZE) {
    this.#ring = new Array<StoredCall | undefined>(capacity);
  }

  /** Keeps a call (its query, headers and reason are redacted when read, not here: see StoredCall). */
  record(call: CallToRecord, realNow: number = Date.now()): void {
    const stored = new StoredCall(call);
    const evicted = this.#ring[this.#next];
    if (evicted && this.#byRid.get(evicted.raw.rid) === evicted) this.#byRid.delete(evicted.raw.rid);
    this.#ring[this.#next] = stored;
    this.#next = (this.#next + 1) % this.capacity;
    this.#byRid.set(call.rid, stored);
    this.#count(call, realNow);
    for (const listener of this.#listeners) listener(stored.read());
  }

  /** Newest first. */
  recent(query: CallQuery = {}): CallRecord[] {
    return this.#recent(query).map((c) => c.read());
  }

  byRid(rid: string): CallRecord | undefined {
    return this.#byRid.get(rid)?.read();
  }

  /** Calls `listener` with every call recorded from now on; returns the function that stops it. */
  subscribe(listener: (call: CallRecord) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Forgets every call, or one app's. */
  clear(appid?: string): void {
    const kept = appid === undefined ? [] : this.#recent().filter((c) => c.raw.appid !== appid).reverse();
    this.#ring.fill(undefined);
    this.#byRid.clear();
    this.#next = 0;
    for (const call of kept) {
      this.#ring[this.#next] = call;
      this.#byRid.set(call.raw.rid, call);
      this.#next = (this.#next + 1) % this.capacity;
    }
  }

  /** The last 60 minutes, oldest first, minutes without calls included. */
  perMinute(realNow: number = Date.now()): MinuteStats[] {
    const current = Math.floor(realNow / MINUTE_MS) * MINUTE_MS;
    const byStart = new Map(this.#minutes.map((m) => [m.minute, m]));
    const out: MinuteStats[] = [];
    for (let i = MINUTES_KEPT - 1; i >= 0; i--) {
      const minute = current - i * MINUTE_MS;
      const m = byStart.get(minute);
      out.push({ minute, uploads: m?.uploads ?? 0, gets: m?.gets ?? 0, calls: m?.calls ?? 0, errors: m?.errors ?? 0 });
    }
    return out;
  }

  /** Failed calls by errcode over the last 60 minutes. */
  errorsByErrcode(realNow: number = Date.now()): Record<string, number> {
    const since = realNow - MINUTES_KEPT * MINUTE_MS;
    const out: Record<string, number> = {};
    for (const m of this.#minutes) {
      if (m.minute < since) continue;
      for (const [errcode, n] of m.byErrcode) out[errcode] = (out[errcode] ?? 0) + n;
    }
    return out;
  }

  /** Newest first, as stored. */
  #recent(query: CallQuery = {}): StoredCall[] {
    const limit = query.limit ?? this.capacity;
    const out: StoredCall[] = [];
    for (let i = 1; i <= this.capacity && out.length < limit; i++) {
      const stored = this.#ring[(this.#next - i + this.capacity) % this.capacity];
      if (!stored) break;
      const call = stored.raw;
      if (query.appid !== undefined && call.appid !== query.appid) continue;
      if (query.api !== undefined && call.api !== query.api) continue;
      if (query.failed && !isFailure(call)) continue;
      out.push(stored);
    }
    return out;
  }

  #count(call: CallToRecord, realNow: number): void {
    const minute = Math.floor(realNow / MINUTE_MS) * MINUTE_MS;
    let m = this.#minutes.at(-1);
    if (!m || m.minute !== minute) {
      m = { minute, uploads: 0, gets: 0, calls: 0, errors: 0, byErrcode: new Map() };
      this.#minutes.push(m);
      while (this.#minutes.length > MINUTES_KEPT + 1) this.#minutes.shift();
    }
    m.calls += 1;
    if (isFailure(call)) {
      m.errors += 1;
      if (call.errcode !== undefined) m.byErrcode.set(call.errcode, (m.byErrcode.get(call.errcode) ?? 0) + 1);
    } else if (pathOf(call) === PATHS.upload) {
      m.uploads += 1;
    } else if (pathOf(call) === PATHS.get) {
      m.gets += 1;
    }
  }
}

function isFailure(call: CallToRecord): boolean {
  return call.dropped === true || (call.errcode !== undefined && call.errcode !== 0);
}

/** Uploads and gets count the same whichever way they were called. */
function pathOf(call: CallToRecord): string {
  return call.channel === 'cloud' ? (CLOUD_API_PATHS[call.api] ?? call.api) : call.api;
}

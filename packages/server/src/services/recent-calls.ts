import type { CallRecord, MinuteStats } from '@wxmedia/protocol';
import type { Question } from '../cluster/messages.ts';
import type { WorkerLink } from '../cluster/worker-link.ts';
import { CallLog, type CallQuery } from './call-log.ts';

/** Calls per minute and failures by errcode over the last hour (the dashboard's overview). */
export interface CallActivity {
  readonly perMinute: readonly MinuteStats[];
  readonly errorsByErrcode: Readonly<Record<string, number>>;
}

/**
 * The recent calls of this server as the admin API, the dashboard and `wxmedia calls` see them. On one process,
 * its CallLog. Under `wxmedia serve --workers N`, every worker keeps the calls it answered (recording stays a local
 * write on the hot path) and the reads ask all the workers through the primary (cluster/): a listing merges their
 * newest, a rid is found whichever worker answered it, the per-minute figures are summed, a reset clears them all,
 * and the live stream also gets the calls of the other workers.
 */
export class RecentCalls {
  readonly #log: CallLog;
  readonly #link: WorkerLink | undefined;
  /** Readers of the live stream; under workers, they also get the calls other workers send (cluster/hub.ts). */
  readonly #readers = new Set<(call: CallRecord) => void>();

  constructor(capacity: number, link?: WorkerLink) {
    this.#log = new CallLog(capacity);
    this.#link = link;
    this.#log.subscribe((call) => {
      for (const reader of this.#readers) reader(call);
    });
  }

  /** Calls each process keeps. */
  get capacity(): number {
    return this.#log.capacity;
  }

  /** Whether the calls span the workers of `--workers` (for messages that say where a call was looked for). */
  get clustered(): boolean {
    return this.#link !== undefined;
  }

  /** The hot path: one call answered by this process. */
  record(call: CallRecord): void {
    this.#log.record(call);
    this.#link?.forward(call);
  }

  /** Newest first (by the server time each call started), across the workers. */
  async recent(query: CallQuery = {}): Promise<CallRecord[]> {
    if (!this.#link) return this.#log.recent(query);
    const lists = (await this.#link.ask({ kind: 'calls', query })) as CallRecord[][];
    return lists
      .flat()
      .sort((a, b) => b.at - a.at)
      .slice(0, query.limit ?? this.capacity);
  }

  async byRid(rid: string): Promise<CallRecord | undefined> {
    const own = this.#log.byRid(rid);
    if (own || !this.#link) return own;
    const found = (await this.#link.ask({ kind: 'call', rid })) as (CallRecord | null)[];
    return found.find((c) => c !== null) ?? undefined;
  }

  async activity(): Promise<CallActivity> {
    if (!this.#link) return this.#ownActivity();
    return sumActivity((await this.#link.ask({ kind: 'activity' })) as CallActivity[]);
  }

  /** Calls `reader` with every call answered from now on (by any worker); returns the function that stops it. */
  subscribe(reader: (call: CallRecord) => void): () => void {
    this.#readers.add(reader);
    if (this.#readers.size === 1) this.#link?.watch(true);
    return () => {
      if (this.#readers.delete(reader) && this.#readers.size === 0) this.#link?.watch(false);
    };
  }

  /** Forgets every call, or one app's, in every worker. */
  async clear(appid?: string): Promise<void> {
    if (!this.#link) return this.#log.clear(appid);
    await this.#link.ask(appid === undefined ? { kind: 'clear-calls' } : { kind: 'clear-calls', appid });
  }

  /** This process's answers to the questions of the cluster (cluster/worker-link.ts). */
  answer(question: Exclude<Question, { kind: 'metrics' }>): unknown {
    switch (question.kind) {
      case 'calls':
        return this.#log.recent(question.query);
      case 'call':
        return this.#log.byRid(question.rid) ?? null;
      case 'activity':
        return this.#ownActivity();
      case 'clear-calls':
        this.#log.clear(question.appid);
        return true;
    }
  }

  /** Calls other workers answered, for this worker's readers. */
  deliver(calls: readonly CallRecord[]): void {
    for (const call of calls) for (const reader of this.#readers) reader(call);
  }

  #ownActivity(): CallActivity {
    return { perMinute: this.#log.perMinute(), errorsByErrcode: this.#log.errorsByErrcode() };
  }
}

/** The workers' minutes added up (their minutes start at the same instants: one machine's clock). */
function sumActivity(parts: readonly CallActivity[]): CallActivity {
  const perMinute = new Map<number, { minute: number; uploads: number; gets: number; calls: number; errors: number }>();
  const errorsByErrcode: Record<string, number> = {};
  for (const part of parts) {
    for (const m of part.perMinute) {
      const sum = perMinute.get(m.minute) ?? { minute: m.minute, uploads: 0, gets: 0, calls: 0, errors: 0 };
      sum.uploads += m.uploads;
      sum.gets += m.gets;
      sum.calls += m.calls;
      sum.errors += m.errors;
      perMinute.set(m.minute, sum);
    }
    for (const [errcode, n] of Object.entries(part.errorsByErrcode)) errorsByErrcode[errcode] = (errorsByErrcode[errcode] ?? 0) + n;
  }
  // Answers given either side of a minute's start cover windows one minute apart: keep the newest window.
  const window = Math.max(0, ...parts.map((p) => p.perMinute.length));
  return { perMinute: [...perMinute.values()].sort((a, b) => a.minute - b.minute).slice(-window), errorsByErrcode };
}

import type { CallRecord, MinuteStats } from '@wxmedia/protocol';
import type { CallLog, CallQuery } from './call-log.ts';
import type { CallToRecord } from './call-redaction.ts';

/** Calls per minute and failures by errcode over the last hour, as the overview shows them. */
export interface CallStats {
  readonly perMinute: MinuteStats[];
  readonly errorsByErrcode: Record<string, number>;
}

/** A question to the CallLog of each peer. Plain data: it crosses process boundaries. */
export type PeerCallQuestion =
  | { readonly op: 'recent'; readonly query: CallQuery }
  | { readonly op: 'byRid'; readonly rid: string }
  | { readonly op: 'stats' }
  | { readonly op: 'clear'; readonly appid?: string };

/** What one peer answers to each kind of question. */
export interface PeerCallAnswers {
  readonly recent: CallRecord[];
  readonly byRid: CallRecord | null;
  readonly stats: CallStats;
  readonly clear: null;
}

/**
 * How long a read waits for the other workers. One that has not answered by then is stuck (one that exits is not
 * waited for), and the read fails with PeersUnavailableError, naming it. prom-client's own cluster aggregation waits
 * 5 s too; Prometheus's default scrape timeout is 10 s.
 */
export const PEER_TIMEOUT_MS = 5_000;

/**
 * The other processes that serve as one server with this one: the workers of `wxmedia serve --workers N`, one port
 * and one data directory, which a user rightly takes for one server. Each keeps recording its own calls (nothing
 * is added to a request's path); the admin API asks the peers only when someone asks it, so `wxmedia calls RID`,
 * the listing, the overview, the live stream and a reset cover the whole server whichever worker answers.
 */
export interface CallPeers {
  /** Every peer's answer; PeersUnavailableError when one does not answer within PEER_TIMEOUT_MS. */
  ask<Q extends PeerCallQuestion>(question: Q): Promise<PeerCallAnswers[Q['op']][]>;
  /** The calls peers record from now on; returns the function that stops it. */
  subscribe(listener: (call: CallRecord) => void): () => void;
}

/** A peer's side: answers a question from its own CallLog. */
export function answerPeerQuestion<Q extends PeerCallQuestion>(log: CallLog, question: Q): PeerCallAnswers[Q['op']] {
  const answer = (): PeerCallAnswers[PeerCallQuestion['op']] => {
    switch (question.op) {
      case 'recent':
        return log.recent(question.query);
      case 'byRid':
        return log.byRid(question.rid) ?? null;
      case 'stats':
        return { perMinute: log.perMinute(), errorsByErrcode: log.errorsByErrcode() };
      case 'clear':
        log.clear(question.appid);
        return null;
    }
  };
  return answer() as PeerCallAnswers[Q['op']];
}

/**
 * The calls of the whole server: this process's CallLog, which records, and its peers' (when it has any), which
 * answer on demand. What the admin API reads.
 */
export class ServerCalls {
  constructor(
    readonly own: CallLog,
    private readonly peers: CallPeers | undefined,
  ) {}

  /** How many calls each process keeps. */
  get capacity(): number {
    return this.own.capacity;
  }

  /** Whether other processes serve with this one (for messages that say where a call was looked for). */
  get hasPeers(): boolean {
    return this.peers !== undefined;
  }

  record(call: CallToRecord): void {
    this.own.record(call);
  }

  /** Newest first, across the peers too. */
  async recent(query: CallQuery = {}): Promise<CallRecord[]> {
    const own = this.own.recent(query);
    if (!this.peers) return own;
    const all = [own, ...(await this.peers.ask({ op: 'recent', query }))].flat();
    return all.sort((a, b) => b.at - a.at).slice(0, query.limit ?? this.capacity);
  }

  async byRid(rid: string): Promise<CallRecord | undefined> {
    const own = this.own.byRid(rid);
    if (own || !this.peers) return own;
    return (await this.peers.ask({ op: 'byRid', rid })).find((c) => c !== null) ?? undefined;
  }

  /** Calls per minute and failures by errcode, summed over the peers. */
  async stats(): Promise<CallStats> {
    const own: CallStats = { perMinute: this.own.perMinute(), errorsByErrcode: this.own.errorsByErrcode() };
    if (!this.peers) return own;
    return [own, ...(await this.peers.ask({ op: 'stats' }))].reduce(addStats);
  }

  /** Forgets every call (or one app's), in the peers too. */
  async clear(appid?: string): Promise<void> {
    this.own.clear(appid);
    if (this.peers) await this.peers.ask(appid === undefined ? { op: 'clear' } : { op: 'clear', appid });
  }

  /** Every call recorded from now on, by this process or a peer. */
  subscribe(listener: (call: CallRecord) => void): () => void {
    const stopOwn = this.own.subscribe(listener);
    const stopPeers = this.peers?.subscribe(listener);
    return () => {
      stopOwn();
      stopPeers?.();
    };
  }
}

function addStats(a: CallStats, b: CallStats): CallStats {
  // Both cover the same 60 minutes of real time; a minute one side lacks (a peer a minute behind) counts as 0.
  const byMinute = new Map(b.perMinute.map((m) => [m.minute, m]));
  const perMinute = a.perMinute.map((m) => {
    const o = byMinute.get(m.minute);
    return o ? { minute: m.minute, uploads: m.uploads + o.uploads, gets: m.gets + o.gets, calls: m.calls + o.calls, errors: m.errors + o.errors } : m;
  });
  const errorsByErrcode = { ...a.errorsByErrcode };
  for (const [errcode, n] of Object.entries(b.errorsByErrcode)) errorsByErrcode[errcode] = (errorsByErrcode[errcode] ?? 0) + n;
  return { perMinute, errorsByErrcode };
}

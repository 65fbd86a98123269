import type { CallRecord } from '@wxmedia/protocol';
import type { CallQuery } from '../services/call-log.ts';

/**
 * What the workers of `wxmedia serve --workers N` and their primary say to each other over node:cluster's IPC
 * channel, so that the N processes answer /metrics and the recent calls as one server. The primary (hub.ts) only
 * relays and gathers; each worker (worker-link.ts) answers for what it holds itself.
 *
 *   worker → primary  join      this worker answers questions from now on
 *                     ask       gather an answer to `question` from every worker (the asker included)
 *                     answer    this worker's answer to a question the primary relayed
 *                     watch     this worker has (or no longer has) readers of the live calls stream
 *                     calls     calls this worker answered, sent only while another worker has readers
 *   primary → worker  question  answer this for a gather
 *                     gathered  the result of this worker's ask, or why there is none
 *                     forward   send your calls (someone else watches), or stop
 *                     calls     calls another worker answered, for this worker's stream readers
 */
export type Question =
  | { readonly kind: 'metrics' }
  | { readonly kind: 'calls'; readonly query: CallQuery }
  | { readonly kind: 'call'; readonly rid: string }
  | { readonly kind: 'activity' }
  | { readonly kind: 'clear-calls'; readonly appid?: string };

export type WorkerMessage =
  | { readonly type: 'wxmedia:join' }
  | { readonly type: 'wxmedia:ask'; readonly id: number; readonly question: Question }
  | { readonly type: 'wxmedia:answer'; readonly id: number; readonly answer?: unknown; readonly error?: string }
  | { readonly type: 'wxmedia:watch'; readonly watching: boolean }
  | { readonly type: 'wxmedia:calls'; readonly calls: readonly CallRecord[] };

export type PrimaryMessage =
  | { readonly type: 'wxmedia:question'; readonly id: number; readonly question: Question }
  | { readonly type: 'wxmedia:gathered'; readonly id: number; readonly result?: unknown; readonly error?: string }
  | { readonly type: 'wxmedia:forward'; readonly on: boolean }
  | { readonly type: 'wxmedia:calls'; readonly calls: readonly CallRecord[] };

/**
 * How long the primary waits for every worker's answer. A worker that has not answered by then is stuck (a worker
 * that exits is not waited for): the gather fails, saying which. prom-client's own cluster aggregation waits 5 s;
 * Prometheus's default scrape timeout is 10 s.
 */
export const GATHER_TIMEOUT_MS = 5_000;
/** How long a worker waits for the primary's result: the gather's bound, plus room for the primary's own work. */
export const ASK_TIMEOUT_MS = GATHER_TIMEOUT_MS + 1_000;
/** Calls for other workers' stream readers are sent in batches, at most this long after the first of a batch… */
export const CALL_BATCH_MS = 50;
/** …or as soon as a batch holds this many. */
export const CALL_BATCH_MAX = 200;

const TYPES = new Set(['wxmedia:join', 'wxmedia:ask', 'wxmedia:answer', 'wxmedia:watch', 'wxmedia:calls', 'wxmedia:question', 'wxmedia:gathered', 'wxmedia:forward']);

/** One of ours (other users of the IPC channel, e.g. the CLI's ready message or prom-client's, are left alone). */
export function isClusterMessage<M extends WorkerMessage | PrimaryMessage>(message: unknown): message is M {
  return typeof message === 'object' && message !== null && TYPES.has((message as { type?: unknown }).type as string);
}

/** Why a gather gave no result (a worker stuck, the primary away); the message says which and is safe to show. */
export class ClusterUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterUnavailableError';
  }
}

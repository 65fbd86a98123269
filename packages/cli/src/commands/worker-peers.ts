import cluster, { type Worker } from 'node:cluster';
import type { CallRecord } from '@wxmedia/protocol';
import { answerPeerQuestion, CallLog, clusterMetrics, offerMetricsToPrimary, type CallPeers, type PeerCallAnswers, type PeerCallQuestion, type WxMediaServer } from '@wxmedia/server';

/**
 * The workers of `wxmedia serve --workers N` answer as the one server their user sees, over node:cluster IPC
 * through the primary, and only when asked:
 *
 * - the calls record: each worker records its own calls and asks the others when the admin API is asked — a
 *   lookup by rid, the list, the overview, a reset. Nothing crosses processes on a WeChat API request, except,
 *   while a live stream (the dashboard's Calls view, `wxmedia calls --follow`) is open in some worker, each new
 *   call on its way to it;
 * - GET /metrics: the primary aggregates every worker's registry (prom-client's AggregatorRegistry).
 *
 *   worker ──ask──▶ primary ──question──▶ every other worker ──answer──▶ primary ──answers──▶ worker
 *   worker ──watch on/off──▶ primary ──forward on/off──▶ the others; their ──recorded──▶ primary ──new──▶ watchers
 *   worker ──metrics?──▶ primary (AggregatorRegistry ⇄ every worker) ──metrics──▶ worker
 */
type Message =
  | { readonly type: 'wxmedia:calls:ask'; readonly id: number; readonly question: PeerCallQuestion }
  | { readonly type: 'wxmedia:calls:answers'; readonly id: number; readonly answers: unknown[] }
  | { readonly type: 'wxmedia:calls:question'; readonly id: number; readonly question: PeerCallQuestion }
  | { readonly type: 'wxmedia:calls:answer'; readonly id: number; readonly answer: unknown }
  | { readonly type: 'wxmedia:calls:watch'; readonly on: boolean }
  | { readonly type: 'wxmedia:calls:forward'; readonly on: boolean }
  | { readonly type: 'wxmedia:calls:recorded'; readonly call: CallRecord }
  | { readonly type: 'wxmedia:calls:new'; readonly call: CallRecord }
  | { readonly type: 'wxmedia:metrics:ask'; readonly id: number }
  | { readonly type: 'wxmedia:metrics:answer'; readonly id: number; readonly metrics: Metrics | null };

interface Metrics {
  readonly contentType: string;
  readonly body: string;
}

/** A worker that does not answer within this long (busy, or dying) is left out of the answer. */
const ANSWER_TIMEOUT_MS = 2_000;

function isMessage(m: unknown): m is Message {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' && /^wxmedia:(calls|metrics):/.test((m as { type: string }).type);
}

/**
 * To a worker (from the primary), or to the primary (from a worker). A closed channel (a process stopping) loses
 * the message, as a peer that went away would.
 */
function send(message: Message, to?: Worker): void {
  if (to) {
    if (to.isConnected()) to.send(message);
  } else if (process.connected) {
    process.send?.(message);
  }
}

/** What a worker that has recorded nothing yet answers. */
const NOTHING_YET = new CallLog(1);

/**
 * In a worker: its peers (the other workers), for createServer({ callPeers, metricsSource }); then serve() once the
 * server exists.
 */
export class WorkerPeers implements CallPeers {
  #nextId = 0;
  readonly #pending = new Map<number, (answers: unknown[]) => void>();
  readonly #pendingMetrics = new Map<number, (metrics: Metrics | null) => void>();
  /** This worker's own metrics: what /metrics answers if the primary cannot. */
  #ownMetrics: (() => Promise<Metrics>) | undefined;
  readonly #listeners = new Set<(call: CallRecord) => void>();
  #own: CallLog | undefined;
  #stopForwarding: (() => void) | undefined;

  constructor() {
    process.on('message', (m: unknown) => {
      if (isMessage(m)) this.#receive(m);
    });
  }

  /** Answers the other workers' questions from this worker's record, and offers its metrics to the primary. */
  serve(server: WxMediaServer): void {
    this.#own = server.ownCalls;
    offerMetricsToPrimary(server.metricsRegistry);
    this.#ownMetrics = async () => ({ contentType: server.metricsRegistry.contentType, body: await server.metricsRegistry.metrics() });
  }

  /** Every worker's metrics, aggregated by the primary (ServerOptions.metricsSource). */
  readonly metrics = async (): Promise<Metrics> => {
    const id = ++this.#nextId;
    const aggregated = await new Promise<Metrics | null>((resolve) => {
      const timer = setTimeout(() => done(null), ANSWER_TIMEOUT_MS * 2);
      const done = (metrics: Metrics | null) => {
        clearTimeout(timer);
        this.#pendingMetrics.delete(id);
        resolve(metrics);
      };
      this.#pendingMetrics.set(id, done);
      send({ type: 'wxmedia:metrics:ask', id });
    });
    if (aggregated) return aggregated;
    // No primary to aggregate (it is stopping): this worker's own, rather than no answer.
    if (!this.#ownMetrics) throw new Error('metrics asked before the server exists');
    return this.#ownMetrics();
  };

  ask<Q extends PeerCallQuestion>(question: Q): Promise<PeerCallAnswers[Q['op']][]> {
    const id = ++this.#nextId;
    return new Promise((resolve) => {
      // The primary answers within its own timeout; this one only guards against a primary that is gone.
      const timer = setTimeout(() => done([]), ANSWER_TIMEOUT_MS * 2);
      const done = (answers: unknown[]) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        resolve(answers as PeerCallAnswers[Q['op']][]);
      };
      this.#pending.set(id, done);
      send({ type: 'wxmedia:calls:ask', id, question });
    });
  }

  subscribe(listener: (call: CallRecord) => void): () => void {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) send({ type: 'wxmedia:calls:watch', on: true });
    return () => {
      if (this.#listeners.delete(listener) && this.#listeners.size === 0) send({ type: 'wxmedia:calls:watch', on: false });
    };
  }

  #receive(m: Message): void {
    switch (m.type) {
      case 'wxmedia:calls:answers':
        this.#pending.get(m.id)?.(m.answers);
        return;
      case 'wxmedia:calls:question':
        send({ type: 'wxmedia:calls:answer', id: m.id, answer: answerPeerQuestion(this.#own ?? NOTHING_YET, m.question) });
        return;
      case 'wxmedia:calls:forward':
        this.#stopForwarding?.();
        this.#stopForwarding = m.on ? this.#own?.subscribe((call) => send({ type: 'wxmedia:calls:recorded', call })) : undefined;
        return;
      case 'wxmedia:calls:new':
        for (const listener of this.#listeners) listener(m.call);
        return;
      case 'wxmedia:metrics:answer':
        this.#pendingMetrics.get(m.id)?.(m.metrics);
        return;
      default:
        return;
    }
  }
}

/** In the primary: relays questions, answers, live calls and metrics between the workers that listen (`ready`). */
export function relayBetweenWorkers(ready: () => readonly Worker[]): { workerReady(): void } {
  let nextId = 0;
  const pending = new Map<number, { asker: Worker; askerId: number; waiting: Set<number>; answers: unknown[]; timer: NodeJS.Timeout }>();
  const watching = new Set<number>();
  const forwarding = new Map<number, boolean>();

  const finish = (id: number) => {
    const p = pending.get(id);
    if (!p) return;
    clearTimeout(p.timer);
    pending.delete(id);
    send({ type: 'wxmedia:calls:answers', id: p.askerId, answers: p.answers }, p.asker);
  };

  /** A worker forwards its new calls while another worker has a live stream open. */
  const updateForwarding = () => {
    for (const worker of ready()) {
      const on = [...watching].some((w) => w !== worker.id);
      if ((forwarding.get(worker.id) ?? false) !== on) {
        forwarding.set(worker.id, on);
        send({ type: 'wxmedia:calls:forward', on }, worker);
      }
    }
  };

  cluster.on('message', (worker: Worker, m: unknown) => {
    if (!isMessage(m)) return;
    switch (m.type) {
      case 'wxmedia:calls:ask': {
        const others = ready().filter((w) => w.id !== worker.id);
        const id = ++nextId;
        const timer = setTimeout(() => finish(id), ANSWER_TIMEOUT_MS);
        pending.set(id, { asker: worker, askerId: m.id, waiting: new Set(others.map((w) => w.id)), answers: [], timer });
        for (const other of others) send({ type: 'wxmedia:calls:question', id, question: m.question }, other);
        if (others.length === 0) finish(id);
        return;
      }
      case 'wxmedia:calls:answer': {
        const p = pending.get(m.id);
        if (!p || !p.waiting.delete(worker.id)) return;
        p.answers.push(m.answer);
        if (p.waiting.size === 0) finish(m.id);
        return;
      }
      case 'wxmedia:calls:watch':
        if (m.on) watching.add(worker.id);
        else watching.delete(worker.id);
        updateForwarding();
        return;
      case 'wxmedia:calls:recorded':
        for (const other of ready()) if (other.id !== worker.id && watching.has(other.id)) send({ type: 'wxmedia:calls:new', call: m.call }, other);
        return;
      case 'wxmedia:metrics:ask':
        clusterMetrics().then(
          (metrics) => send({ type: 'wxmedia:metrics:answer', id: m.id, metrics }, worker),
          // A worker that does not answer in time fails the aggregation: the asker then serves its own.
          () => send({ type: 'wxmedia:metrics:answer', id: m.id, metrics: null }, worker),
        );
        return;
      default:
        return;
    }
  });

  cluster.on('exit', (worker) => {
    watching.delete(worker.id);
    forwarding.delete(worker.id);
    for (const [id, p] of pending) if (p.waiting.delete(worker.id) && p.waiting.size === 0) finish(id);
    updateForwarding();
  });

  return {
    /** A worker that starts listening (a replacement too) learns whether to forward its calls. */
    workerReady: () => updateForwarding(),
  };
}

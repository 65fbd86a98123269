import cluster, { type Worker } from 'node:cluster';
import { redact, type CallRecord } from '@wxmedia/protocol';
import {
  answerPeerQuestion,
  CallLog,
  ClusterMetrics,
  PEER_TIMEOUT_MS,
  PeersUnavailableError,
  type CallPeers,
  type MetricsJson,
  type PeerCallAnswers,
  type PeerCallQuestion,
  type WxMediaServer,
} from '@wxmedia/server';

/**
 * The workers of `wxmedia serve --workers N` answer as the one server their user sees, over node:cluster IPC
 * through the primary, and only when asked:
 *
 * - the calls record: each worker records its own calls and asks the others when the admin API is asked — a
 *   lookup by rid, the list, the overview, a reset. Nothing crosses processes on a WeChat API request, except,
 *   while a live stream (the dashboard's Calls view, `wxmedia calls --follow`) is open in some worker, the other
 *   workers' new calls on their way to it, in batches;
 * - GET /metrics: the primary adds up every worker's registry (ClusterMetrics: prom-client's AggregatorRegistry,
 *   with the counts of workers that exited kept, so that counters never go down).
 *
 *   worker ──ask──▶ primary ──question──▶ the workers ──answer──▶ primary ──answers──▶ worker
 *   worker ──watch on/off──▶ primary ──forward on/off──▶ the others; their ──recorded──▶ primary ──new──▶ watchers
 *
 * A worker that exits is not waited for; one that does not answer within PEER_TIMEOUT_MS (stuck) fails the ask,
 * named: the asker answers 503 rather than with part of the server. prom-client's own clusterMetrics() would ask
 * workers still starting (a scrape during a restart then waits out its fixed 5 s), and a worker that dies would
 * take its counts out of the sums: hence this gathering, shared with the calls record.
 */

/** What a worker is asked: about its calls, or for its metrics (its registry as JSON, for the primary to add up). */
type Question = PeerCallQuestion | { readonly op: 'metrics' };

interface Metrics {
  readonly contentType: string;
  readonly body: string;
}

type Message =
  | { readonly type: 'wxmedia:peers:ask'; readonly id: number; readonly question: Question }
  | { readonly type: 'wxmedia:peers:question'; readonly id: number; readonly question: Question }
  | { readonly type: 'wxmedia:peers:answer'; readonly id: number; readonly answer?: unknown; readonly error?: string }
  | { readonly type: 'wxmedia:peers:answers'; readonly id: number; readonly answers?: unknown[]; readonly metrics?: Metrics; readonly error?: string }
  | { readonly type: 'wxmedia:calls:watch'; readonly on: boolean }
  | { readonly type: 'wxmedia:calls:forward'; readonly on: boolean }
  | { readonly type: 'wxmedia:calls:recorded'; readonly calls: readonly CallRecord[] }
  | { readonly type: 'wxmedia:calls:new'; readonly calls: readonly CallRecord[] };

/** How long a worker waits for the primary: the primary's own bound on the workers, plus room for its work. */
const ASK_TIMEOUT_MS = PEER_TIMEOUT_MS + 1_000;
/** Calls for another worker's stream go in batches: at most this long after the first of a batch… */
const BATCH_MS = 50;
/** …or as soon as a batch holds this many. */
const BATCH_MAX = 200;

function isMessage(m: unknown): m is Message {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' && /^wxmedia:(peers|calls):/.test((m as { type: string }).type);
}

/**
 * To a worker (from the primary), or to the primary (from a worker); false when the channel is closed (a process
 * stopping). With a callback, a channel that closes meanwhile loses the message quietly instead of raising 'error'.
 */
function send(message: Message, to?: Worker): boolean {
  if (to) {
    if (!to.isConnected()) return false;
    to.send(message, undefined, undefined, () => undefined);
    return true;
  }
  if (!process.send || !process.connected) return false;
  process.send(message, undefined, undefined, () => undefined);
  return true;
}

/** What a worker that has recorded nothing yet answers. */
const NOTHING_YET = new CallLog(1);

/**
 * In a worker: its peers (the other workers), for createServer({ callPeers, metricsSource }); then serve() once the
 * server exists.
 */
export class WorkerPeers implements CallPeers {
  #nextId = 0;
  readonly #pending = new Map<number, { resolve(m: Extract<Message, { type: 'wxmedia:peers:answers' }>): void; reject(e: Error): void }>();
  readonly #listeners = new Set<(call: CallRecord) => void>();
  #server: WxMediaServer | undefined;
  #stopForwarding: (() => void) | undefined;
  #batch: CallRecord[] = [];
  #flushTimer: NodeJS.Timeout | undefined;

  constructor() {
    process.on('message', (m: unknown) => {
      if (isMessage(m)) this.#receive(m);
    });
  }

  /** Answers the other workers' questions from this worker's record and registry. */
  serve(server: WxMediaServer): void {
    this.#server = server;
  }

  /** Every worker's metrics, added up by the primary (ServerOptions.metricsSource). */
  readonly metrics = async (): Promise<Metrics> => (await this.#ask({ op: 'metrics' })).metrics!;

  async ask<Q extends PeerCallQuestion>(question: Q): Promise<PeerCallAnswers[Q['op']][]> {
    return (await this.#ask(question)).answers as PeerCallAnswers[Q['op']][];
  }

  subscribe(listener: (call: CallRecord) => void): () => void {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) send({ type: 'wxmedia:calls:watch', on: true });
    return () => {
      if (this.#listeners.delete(listener) && this.#listeners.size === 0) send({ type: 'wxmedia:calls:watch', on: false });
    };
  }

  #ask(question: Question): Promise<Extract<Message, { type: 'wxmedia:peers:answers' }>> {
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      // The primary answers within its own bound; this one only guards against a primary that is gone or stuck.
      const timer = setTimeout(() => settle(new PeersUnavailableError(`the primary process did not answer within ${ASK_TIMEOUT_MS / 1000} s`)), ASK_TIMEOUT_MS);
      const settle = (result: Extract<Message, { type: 'wxmedia:peers:answers' }> | Error) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        if (result instanceof Error) reject(result);
        else if (result.error !== undefined) reject(new PeersUnavailableError(result.error));
        else resolve(result);
      };
      this.#pending.set(id, { resolve: settle, reject: settle });
      if (!send({ type: 'wxmedia:peers:ask', id, question })) settle(new PeersUnavailableError('the channel to the primary process is closed'));
    });
  }

  #receive(m: Message): void {
    switch (m.type) {
      case 'wxmedia:peers:answers':
        this.#pending.get(m.id)?.resolve(m);
        return;
      case 'wxmedia:peers:question':
        return this.#answer(m.id, m.question);
      case 'wxmedia:calls:forward':
        this.#stopForwarding?.();
        this.#stopForwarding = m.on ? this.#server?.ownCalls.subscribe((call) => this.#forward(call)) : undefined;
        if (!m.on) this.#batch = [];
        return;
      case 'wxmedia:calls:new':
        for (const call of m.calls) for (const listener of this.#listeners) listener(call);
        return;
      default:
        return;
    }
  }

  #answer(id: number, question: Question): void {
    if (question.op !== 'metrics') {
      send({ type: 'wxmedia:peers:answer', id, answer: answerPeerQuestion(this.#server?.ownCalls ?? NOTHING_YET, question) });
      return;
    }
    const server = this.#server;
    if (!server) return void send({ type: 'wxmedia:peers:answer', id, answer: [] });
    server.metricsRegistry.getMetricsAsJSON().then(
      (answer) => send({ type: 'wxmedia:peers:answer', id, answer }),
      (e: unknown) => {
        // e.g. a gauge whose store is away; said in this worker's log, named (not detailed) to the asker.
        server.logger.warn({ reason: redact(String((e as Error)?.message)) }, 'metrics not read');
        send({ type: 'wxmedia:peers:answer', id, error: 'its metrics could not be read (see its log)' });
      },
    );
  }

  /** A call this worker answered, for another worker's stream: batched, never one message per request. */
  #forward(call: CallRecord): void {
    this.#batch.push(call);
    if (this.#batch.length >= BATCH_MAX) this.#flush();
    else this.#flushTimer ??= setTimeout(() => this.#flush(), BATCH_MS).unref();
  }

  #flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#batch.length === 0) return;
    send({ type: 'wxmedia:calls:recorded', calls: this.#batch });
    this.#batch = [];
  }
}

interface Gather {
  readonly asker: Worker;
  readonly askerId: number;
  readonly question: Question;
  /** Workers yet to answer. */
  readonly waiting: Set<number>;
  readonly answers: Map<number, unknown>;
  readonly timer: NodeJS.Timeout;
}

/** In the primary: relays questions, answers and live calls between the workers that listen (`ready`). */
export function relayBetweenWorkers(ready: () => readonly Worker[]): { workerReady(): void } {
  let nextId = 0;
  const gathers = new Map<number, Gather>();
  const watching = new Set<number>();
  const forwarding = new Map<number, boolean>();
  const metrics = new ClusterMetrics();

  const close = (id: number): Gather | undefined => {
    const g = gathers.get(id);
    if (!g) return undefined;
    clearTimeout(g.timer);
    gathers.delete(id);
    return g;
  };
  const fail = (id: number, error: string) => {
    const g = close(id);
    if (g) send({ type: 'wxmedia:peers:answers', id: g.askerId, error }, g.asker);
  };
  const finish = async (id: number) => {
    const g = close(id);
    if (!g) return;
    const answers = [...g.answers.values()];
    if (g.question.op !== 'metrics') return void send({ type: 'wxmedia:peers:answers', id: g.askerId, answers }, g.asker);
    try {
      send({ type: 'wxmedia:peers:answers', id: g.askerId, metrics: await metrics.render(answers as MetricsJson[]) }, g.asker);
    } catch (e) {
      send({ type: 'wxmedia:peers:answers', id: g.askerId, error: `the workers' metrics could not be added up: ${(e as Error).message}` }, g.asker);
    }
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
      case 'wxmedia:peers:ask': {
        // The asker answers about its own calls itself (ServerCalls); its metrics are added up here with the rest.
        const asked = ready().filter((w) => m.question.op === 'metrics' || w.id !== worker.id);
        const id = ++nextId;
        const waiting = new Set<number>();
        const timer = setTimeout(() => {
          const silent = [...(gathers.get(id)?.waiting ?? [])].map((w) => `worker ${cluster.workers?.[w]?.process.pid ?? w}`);
          fail(id, `${silent.join(' and ')} did not answer within ${PEER_TIMEOUT_MS / 1000} s`);
        }, PEER_TIMEOUT_MS);
        gathers.set(id, { asker: worker, askerId: m.id, question: m.question, waiting, answers: new Map(), timer });
        for (const w of asked) if (send({ type: 'wxmedia:peers:question', id, question: m.question }, w)) waiting.add(w.id);
        if (waiting.size === 0) void finish(id);
        return;
      }
      case 'wxmedia:peers:answer': {
        const g = gathers.get(m.id);
        if (!g?.waiting.delete(worker.id)) return;
        if (m.error !== undefined) return fail(m.id, `worker ${worker.process.pid}: ${m.error}`);
        g.answers.set(worker.id, m.answer);
        if (g.question.op === 'metrics') metrics.seen(worker.id, m.answer as MetricsJson);
        if (g.waiting.size === 0) void finish(m.id);
        return;
      }
      case 'wxmedia:calls:watch':
        if (m.on) watching.add(worker.id);
        else watching.delete(worker.id);
        updateForwarding();
        return;
      case 'wxmedia:calls:recorded':
        for (const other of ready()) if (other.id !== worker.id && watching.has(other.id)) send({ type: 'wxmedia:calls:new', calls: m.calls }, other);
        return;
      default:
        return;
    }
  });

  cluster.on('exit', (worker) => {
    watching.delete(worker.id);
    forwarding.delete(worker.id);
    // What it counted stays in the sums; a gather waits for it no longer.
    metrics.retire(worker.id);
    for (const [id, g] of gathers) {
      if (g.asker === worker) {
        close(id);
        continue;
      }
      // Metrics it already gave are in the retired sums now: not twice.
      if (g.question.op === 'metrics') g.answers.delete(worker.id);
      if (g.waiting.delete(worker.id) && g.waiting.size === 0) void finish(id);
    }
    updateForwarding();
  });

  return {
    /** A worker that starts listening (a replacement too) learns whether to forward its calls. */
    workerReady: () => updateForwarding(),
  };
}

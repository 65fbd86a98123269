import cluster, { type Worker } from 'node:cluster';
import type { CallRecord } from '@wxmedia/protocol';
import { ClusterMetrics, type MetricsJson } from './cluster-metrics.ts';
import { GATHER_TIMEOUT_MS, isClusterMessage, type PrimaryMessage, type Question, type WorkerMessage } from './messages.ts';

export interface ClusterHub {
  /** Stops listening; gathers under way are answered with an error. */
  close(): void;
}

interface Gather {
  readonly asker: Worker;
  /** The asker's own id for it. */
  readonly askerId: number;
  readonly question: Question;
  /** Workers yet to answer. */
  readonly waiting: Set<number>;
  readonly answers: Map<number, unknown>;
  readonly timer: NodeJS.Timeout;
}

/**
 * In the primary of `wxmedia serve --workers N`: makes the workers one server for /metrics and the recent calls.
 * A worker asks a question (its scrape, a lookup by rid, …); the hub puts it to every worker that joined, gathers
 * the answers — a worker that exits meanwhile is not waited for, one that does not answer within
 * GATHER_TIMEOUT_MS fails the gather, named — and sends the result back (for metrics, aggregated here:
 * cluster-metrics.ts). Calls are relayed between workers only while some worker has readers of the live stream,
 * so answering WeChat requests costs nothing here otherwise.
 *
 * prom-client's AggregatorRegistry.clusterMetrics() does the metrics half of this, but it asks workers that are
 * still starting (a scrape during a restart then waits its fixed 5 s and fails), and a worker that dies takes its
 * counts out of the sum; the gathering here is shared with the calls, and the aggregation is prom-client's.
 */
export function startClusterHub(): ClusterHub {
  const members = new Map<number, Worker>();
  const watchers = new Set<number>();
  /** Whether each member was last told to forward its calls. */
  const forwarding = new Map<number, boolean>();
  const gathers = new Map<number, Gather>();
  const metrics = new ClusterMetrics();
  let nextId = 0;

  const onMessage = (worker: Worker, message: unknown) => {
    if (!isClusterMessage<WorkerMessage>(message)) return;
    switch (message.type) {
      case 'wxmedia:join':
        members.set(worker.id, worker);
        updateForwarding();
        return;
      case 'wxmedia:ask':
        return ask(worker, message.id, message.question);
      case 'wxmedia:answer':
        return answer(worker, message.id, message.answer, message.error);
      case 'wxmedia:watch':
        if (message.watching) watchers.add(worker.id);
        else watchers.delete(worker.id);
        return updateForwarding();
      case 'wxmedia:calls':
        return relayCalls(worker.id, message.calls);
    }
  };

  const onExit = (worker: Worker) => {
    members.delete(worker.id);
    watchers.delete(worker.id);
    forwarding.delete(worker.id);
    metrics.retire(worker.id);
    for (const [id, gather] of gathers) {
      if (gather.asker === worker) {
        clearTimeout(gather.timer);
        gathers.delete(id);
      } else if (gather.waiting.delete(worker.id) && gather.waiting.size === 0) {
        void finish(id);
      }
    }
    updateForwarding();
  };

  function ask(asker: Worker, askerId: number, question: Question): void {
    const id = nextId++;
    const waiting = new Set<number>();
    const timer = setTimeout(() => {
      const stuck = [...(gathers.get(id)?.waiting ?? [])].map((w) => `worker ${members.get(w)?.process.pid ?? w}`);
      fail(id, `${stuck.join(' and ')} did not answer within ${GATHER_TIMEOUT_MS / 1000} s`);
    }, GATHER_TIMEOUT_MS);
    timer.unref();
    gathers.set(id, { asker, askerId, question, waiting, answers: new Map(), timer });
    for (const [workerId, worker] of members) {
      if (tell(worker, { type: 'wxmedia:question', id, question })) waiting.add(workerId);
    }
    if (waiting.size === 0) void finish(id);
  }

  function answer(worker: Worker, id: number, value: unknown, error: string | undefined): void {
    const gather = gathers.get(id);
    if (!gather?.waiting.delete(worker.id)) return;
    if (error !== undefined) return fail(id, `worker ${worker.process.pid}: ${error}`);
    gather.answers.set(worker.id, value);
    if (gather.question.kind === 'metrics') metrics.seen(worker.id, value as MetricsJson);
    if (gather.waiting.size === 0) void finish(id);
  }

  async function finish(id: number): Promise<void> {
    const gather = gathers.get(id);
    if (!gather) return;
    gathers.delete(id);
    clearTimeout(gather.timer);
    try {
      const answers = [...gather.answers.values()];
      const result = gather.question.kind === 'metrics' ? await metrics.render(answers as MetricsJson[]) : answers;
      tell(gather.asker, { type: 'wxmedia:gathered', id: gather.askerId, result });
    } catch (e) {
      tell(gather.asker, { type: 'wxmedia:gathered', id: gather.askerId, error: `the answers could not be combined: ${(e as Error).message}` });
    }
  }

  function fail(id: number, error: string): void {
    const gather = gathers.get(id);
    if (!gather) return;
    gathers.delete(id);
    clearTimeout(gather.timer);
    tell(gather.asker, { type: 'wxmedia:gathered', id: gather.askerId, error });
  }

  /** Each member forwards its calls exactly while another member has stream readers. */
  function updateForwarding(): void {
    for (const [workerId, worker] of members) {
      const on = [...watchers].some((w) => w !== workerId);
      if ((forwarding.get(workerId) ?? false) === on) continue;
      forwarding.set(workerId, on);
      tell(worker, { type: 'wxmedia:forward', on });
    }
  }

  function relayCalls(from: number, calls: readonly CallRecord[]): void {
    for (const workerId of watchers) {
      const worker = members.get(workerId);
      if (worker && workerId !== from) tell(worker, { type: 'wxmedia:calls', calls });
    }
  }

  cluster.on('message', onMessage);
  cluster.on('exit', onExit);
  return {
    close() {
      cluster.off('message', onMessage);
      cluster.off('exit', onExit);
      for (const id of [...gathers.keys()]) fail(id, 'the server is stopping');
    },
  };
}

/** Sends if the worker's channel is open; false if it is not (the worker is exiting: its 'exit' follows). */
function tell(worker: Worker, message: PrimaryMessage): boolean {
  if (!worker.isConnected()) return false;
  // With a callback, a channel that closes meanwhile is reported there instead of as an 'error' event.
  worker.send(message, undefined, undefined, () => undefined);
  return true;
}

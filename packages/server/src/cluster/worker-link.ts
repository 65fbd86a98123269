import type { CallRecord } from '@wxmedia/protocol';
import {
  ASK_TIMEOUT_MS,
  CALL_BATCH_MAX,
  CALL_BATCH_MS,
  ClusterUnavailableError,
  isClusterMessage,
  type PrimaryMessage,
  type Question,
  type WorkerMessage,
} from './messages.ts';

export interface WorkerLinkHandlers {
  /** This worker's own answer to a question another worker (or this one) asked. */
  answer(question: Question): Promise<unknown>;
  /** Calls another worker answered, for this worker's readers of the live stream. */
  calls(calls: readonly CallRecord[]): void;
}

/**
 * In a worker of `wxmedia serve --workers N`: its end of the channel to the primary's hub (hub.ts). It answers the
 * hub's questions, asks questions of all the workers, and — only while the hub says another worker has readers of
 * the live stream — sends the calls this worker answered in small batches, never one message per request.
 */
export class WorkerLink {
  readonly #pending = new Map<number, { resolve(result: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  #nextId = 0;
  #forwarding = false;
  #batch: CallRecord[] = [];
  #flushTimer: NodeJS.Timeout | undefined;
  #handlers: WorkerLinkHandlers | undefined;
  readonly #onMessage = (message: unknown) => {
    if (isClusterMessage<PrimaryMessage>(message)) this.#receive(message);
  };

  /** Starts answering the hub's questions with `handlers`; from now on this worker counts in every gather. */
  join(handlers: WorkerLinkHandlers): void {
    if (!process.send) throw new Error('a cluster worker link needs an IPC channel to the primary (node:cluster)');
    this.#handlers = handlers;
    process.on('message', this.#onMessage);
    this.#send({ type: 'wxmedia:join' });
  }

  /** Every worker's answer to `question` (for metrics: the primary's aggregated text); ClusterUnavailableError if not all came. */
  ask(question: Question): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new ClusterUnavailableError(`the primary process did not answer within ${ASK_TIMEOUT_MS / 1000} s`));
      }, ASK_TIMEOUT_MS);
      this.#pending.set(id, { resolve, reject, timer });
      if (!this.#send({ type: 'wxmedia:ask', id, question })) {
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(new ClusterUnavailableError('the channel to the primary process is closed'));
      }
    });
  }

  /** Tells the hub this worker has (or no longer has) readers of the live stream. */
  watch(watching: boolean): void {
    this.#send({ type: 'wxmedia:watch', watching });
  }

  /** The hot path: a call this worker answered, sent on only while another worker has stream readers. */
  forward(call: CallRecord): void {
    if (!this.#forwarding) return;
    this.#batch.push(call);
    if (this.#batch.length >= CALL_BATCH_MAX) this.#flush();
    else this.#flushTimer ??= setTimeout(() => this.#flush(), CALL_BATCH_MS).unref();
  }

  /** Stops listening; questions asked and not yet answered fail. */
  close(): void {
    process.off('message', this.#onMessage);
    this.#flush();
    for (const [id, { reject, timer }] of this.#pending) {
      clearTimeout(timer);
      this.#pending.delete(id);
      reject(new ClusterUnavailableError('this worker is stopping'));
    }
  }

  #receive(message: PrimaryMessage): void {
    switch (message.type) {
      case 'wxmedia:question': {
        const { id, question } = message;
        this.#handlers!.answer(question).then(
          (answer) => this.#send({ type: 'wxmedia:answer', id, answer }),
          (e: unknown) => this.#send({ type: 'wxmedia:answer', id, error: e instanceof ClusterUnavailableError ? e.message : 'its answer failed (see its log)' }),
        );
        return;
      }
      case 'wxmedia:gathered': {
        const pending = this.#pending.get(message.id);
        if (!pending) return;
        this.#pending.delete(message.id);
        clearTimeout(pending.timer);
        if (message.error !== undefined) pending.reject(new ClusterUnavailableError(message.error));
        else pending.resolve(message.result);
        return;
      }
      case 'wxmedia:forward':
        this.#forwarding = message.on;
        if (!message.on) this.#batch = [];
        return;
      case 'wxmedia:calls':
        this.#handlers!.calls(message.calls);
        return;
    }
  }

  #flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#batch.length === 0) return;
    const calls = this.#batch;
    this.#batch = [];
    this.#send({ type: 'wxmedia:calls', calls });
  }

  /** False when the channel is closed (the primary is gone); a message in flight when it closes is dropped. */
  #send(message: WorkerMessage): boolean {
    if (!process.send || !process.connected) return false;
    process.send(message, undefined, undefined, () => undefined);
    return true;
  }
}

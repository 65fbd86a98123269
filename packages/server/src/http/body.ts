import type { FastifyRequest } from 'fastify';

/**
 * How long a request body may keep the server waiting. Not a cap on the whole request: a slow but live upload may
 * take as long as it needs, as long as bytes keep coming (nginx's `client_body_timeout`, Apache's mod_reqtimeout
 * `MinRate`). Only time spent waiting for the client counts: while the server itself is busy (writing to storage,
 * with the client's bytes piling up in the socket), the clock is stopped.
 */
export interface BodyLimits {
  /** Longest wait for the next chunk, in ms; 0: no bound. */
  readonly idleMs: number;
  /**
   * Once the body has kept the server waiting for idleMs in all, it must have averaged at least this many bytes per
   * second of waiting (each byte buys 1/rate s more). 0: no bound.
   */
  readonly minBytesPerSecond: number;
}

/** The client stopped sending, or sends too slowly. Answered 408 and the connection closed (reply.ts). */
export class BodyTimeoutError extends Error {
  constructor(readonly reason: 'idle' | 'slow') {
    super(reason === 'idle' ? 'request body idle for too long' : 'request body slower than the minimum rate');
    this.name = 'BodyTimeoutError';
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Set by the HTTP layer (app.ts); a bare Fastify instance (tests) gets no bound. */
    wxBodyLimits?: BodyLimits;
  }
}

const readers = new WeakMap<FastifyRequest['raw'], BodyReader>();
/** setTimeout's largest delay; longer ones would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The request's body, for every route and helper that reads one: a single iterator per request (so a route and the
 * drain after its error continue from the same place), bounded by the server's BodyLimits. Leaving a loop over it
 * early does not destroy the request, whose socket the reply still needs.
 */
export function requestBody(request: FastifyRequest): BodyReader {
  let reader = readers.get(request.raw);
  if (!reader) {
    reader = new BodyReader(request.raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>, request.server.wxBodyLimits ?? { idleMs: 0, minBytesPerSecond: 0 });
    readers.set(request.raw, reader);
  }
  return reader;
}

export class BodyReader implements AsyncIterableIterator<Buffer> {
  #bytes = 0;
  #waitedMs = 0;
  #ended = false;
  #failure: unknown;

  constructor(
    private readonly source: AsyncIterator<Buffer>,
    private readonly limits: BodyLimits,
  ) {}

  /** True once the whole body was read. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Bytes read so far. */
  get bytes(): number {
    return this.#bytes;
  }

  async next(): Promise<IteratorResult<Buffer>> {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#ended) return { done: true, value: undefined };
    const started = performance.now();
    const pending = this.source.next();
    const bound = this.#allowedWait();
    let timer: NodeJS.Timeout | undefined;
    try {
      const r =
        bound === undefined
          ? await pending
          : await Promise.race([
              pending,
              new Promise<never>((_, reject) => {
                timer = setTimeout(() => reject(new BodyTimeoutError(bound.reason)), Math.min(bound.ms, MAX_TIMER_MS));
              }),
            ]);
      if (r.done) this.#ended = true;
      else this.#bytes += r.value.length;
      return r;
    } catch (error) {
      // The read still pending when the bound fired fails once the connection closes: nobody must wait for it.
      pending.catch(() => undefined);
      this.#failure = error;
      throw error;
    } finally {
      clearTimeout(timer);
      this.#waitedMs += performance.now() - started;
    }
  }

  /** Ends iteration without touching the request (the HTTP layer decides what happens to its connection). */
  async return(): Promise<IteratorResult<Buffer>> {
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** How long the next read may take and which bound that is, or undefined for no bound. */
  #allowedWait(): { ms: number; reason: BodyTimeoutError['reason'] } | undefined {
    const { idleMs, minBytesPerSecond } = this.limits;
    const idle = idleMs > 0 ? idleMs : Infinity;
    // The rate bound starts once the body has had idleMs (with no idle bound, one second) of waiting in all.
    const slow = minBytesPerSecond > 0 ? (idleMs > 0 ? idleMs : 1000) + (this.#bytes * 1000) / minBytesPerSecond - this.#waitedMs : Infinity;
    if (idle === Infinity && slow === Infinity) return undefined;
    return idle <= slow ? { ms: idle, reason: 'idle' } : { ms: Math.max(0, slow), reason: 'slow' };
  }
}

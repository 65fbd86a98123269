import type { Cluster, Redis } from 'ioredis';
import { ioredis } from './optional-sdks.ts';
import type { StateStore, StateWriteOptions } from './state-store.ts';

export interface RedisStateStoreOptions {
  /** A connected client (redis-config.ts makes one from a URL): a single server, or a Cluster. Closed by close(). */
  readonly client: Redis | Cluster;
  /** Put before every key, so one Redis can hold several services (default `wxmedia:`). */
  readonly keyPrefix?: string;
  /** The longest any one operation may take before it rejects, in ms (default 3 000): a dead Redis fails fast. */
  readonly operationTimeoutMs?: number;
}

const DEFAULT_PREFIX = 'wxmedia:';
const DEFAULT_TIMEOUT_MS = 3_000;
/** Keys SCAN looks at per round trip. */
const SCAN_COUNT = 1000;

/**
 * INCRBY, with the TTL set when the counter is created (like the embedded stores), refusing a result beyond
 * JavaScript's exact integers (Redis counts to 2^63). One script, so creation and expiry are atomic; INCRBY
 * itself refuses a value that is not an integer, before anything is written.
 */
const INCR_SCRIPT = `
local existed = redis.call('EXISTS', KEYS[1])
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if value > 9007199254740991 or value < -9007199254740991 then
  redis.call('DECRBY', KEYS[1], ARGV[1])
  return redis.error_reply('ERR counter would overflow')
end
if existed == 0 and ARGV[2] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value
`;

interface WithIncr {
  wxmediaIncr(key: string, by: number, ttlMs: string): Promise<number>;
}

/**
 * The StateStore in Redis, shared by every instance. Each operation is one Redis command or one script on one key,
 * so it is atomic and stays on one slot of a Redis Cluster (no operation spans keys); setIfAbsent is `SET NX PX`,
 * incr is INCRBY and its TTL in one script, keys() is SCAN (on every master of a cluster), never KEYS. TTLs are
 * Redis's own (PX).
 *
 * Every operation rejects within `operationTimeoutMs`, so a Redis that is down or unreachable costs a request a
 * bounded wait and an error, never a hang; the client reconnects by itself and the store works again once Redis
 * is back.
 */
export class RedisStateStore implements StateStore {
  readonly #client: Redis | Cluster;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  #closing: Promise<void> | undefined;

  constructor(options: RedisStateStoreOptions) {
    this.#client = options.client;
    this.#prefix = options.keyPrefix ?? DEFAULT_PREFIX;
    this.#timeoutMs = options.operationTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#client.defineCommand('wxmediaIncr', { numberOfKeys: 1, lua: INCR_SCRIPT });
  }

  async ping(): Promise<void> {
    await this.#bounded('PING', () => this.#client.ping());
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.#bounded('GET', () => this.#client.get(this.#key(key)))) ?? undefined;
  }

  async set(key: string, value: string, options?: StateWriteOptions): Promise<void> {
    const k = this.#key(key);
    const ttl = ttlOf(options);
    // A plain SET also drops an earlier TTL, as the contract says.
    await this.#bounded('SET', () => (ttl === undefined ? this.#client.set(k, value) : this.#client.set(k, value, 'PX', ttl)));
  }

  async setIfAbsent(key: string, value: string, options?: StateWriteOptions): Promise<boolean> {
    const k = this.#key(key);
    const ttl = ttlOf(options);
    const reply = await this.#bounded('SET NX', () =>
      ttl === undefined ? this.#client.set(k, value, 'NX') : this.#client.set(k, value, 'PX', ttl, 'NX'),
    );
    return reply === 'OK';
  }

  async delete(key: string): Promise<boolean> {
    return (await this.#bounded('DEL', () => this.#client.del(this.#key(key)))) > 0;
  }

  async incr(key: string, options?: StateWriteOptions & { readonly by?: number }): Promise<number> {
    const by = options?.by ?? 1;
    if (!Number.isSafeInteger(by)) throw new TypeError(`incr ${JSON.stringify(key)}: by must be an integer, got ${by}`);
    const ttl = ttlOf(options);
    const client = this.#client as unknown as WithIncr;
    return this.#bounded('INCRBY', () => client.wxmediaIncr(this.#key(key), by, ttl === undefined ? '' : String(ttl)));
  }

  async keys(prefix: string): Promise<string[]> {
    const full = this.#key(prefix);
    const nodes = this.#client instanceof ioredis().Cluster ? this.#client.nodes('master') : [this.#client];
    const found = new Set<string>();
    await this.#bounded('SCAN', async () => {
      await Promise.all(
        nodes.map(async (node) => {
          let cursor = '0';
          do {
            const [next, keys] = await node.scan(cursor, 'MATCH', `${escapeGlob(full)}*`, 'COUNT', SCAN_COUNT);
            // SCAN may return a key twice (rehashing): the Set keeps one.
            for (const k of keys) if (k.startsWith(full)) found.add(k.slice(this.#prefix.length));
            cursor = next;
          } while (cursor !== '0');
        }),
      );
    });
    return [...found].sort();
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.#bounded('QUIT', () => this.#client.quit());
      } catch {
        // Redis unreachable: nothing to say goodbye to.
      } finally {
        this.#client.disconnect();
      }
    })();
    return this.#closing;
  }

  #key(key: string): string {
    return `${this.#prefix}${key}`;
  }

  /**
   * Runs one operation with a deadline. ioredis queues commands while it reconnects; without a deadline a request
   * would wait for Redis as long as Redis is away.
   */
  async #bounded<T>(what: string, operation: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis ${what} did not answer within ${this.#timeoutMs} ms`)), this.#timeoutMs);
    });
    try {
      return await Promise.race([operation(), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function ttlOf(options: StateWriteOptions | undefined): number | undefined {
  if (options?.ttlMs === undefined) return undefined;
  // PX takes a positive integer; a TTL below 1 ms still means "expires".
  return Math.max(1, Math.ceil(options.ttlMs));
}

/** `prefix` as a SCAN MATCH pattern that matches it literally (glob characters escaped). */
function escapeGlob(prefix: string): string {
  return prefix.replace(/[*?[\]\\]/g, '\\$&');
}

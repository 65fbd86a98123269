import type { RedisOptions } from 'ioredis';
import { ioredis } from './optional-sdks.ts';
import { RedisStateStore } from './redis-state-store.ts';

/** What `--state-store redis://[user:pass@]HOST:PORT[/DB][?prefix=P]` (or `rediss://` for TLS) says. */
export interface RedisLocation {
  /** The URL without wxmedia's own options, as ioredis reads it. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly tls: boolean;
  /** Put before every key (default `wxmedia:`). */
  readonly keyPrefix: string;
}

/** Parses a Redis store URL; throws a TypeError saying what is wrong. Never echoes the password. */
export function parseRedisUrl(text: string): RedisLocation {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError('state store URL is not a URL: use redis://[user:pass@]HOST:PORT[/DB]');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new TypeError('a Redis state store URL starts with redis:// or rediss://');
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d{1,2}$/.test(dbText)) throw new TypeError(`the Redis database "${dbText}" must be a number (redis://HOST:PORT/DB)`);
  let keyPrefix = 'wxmedia:';
  for (const [name, value] of url.searchParams) {
    if (name !== 'prefix') throw new TypeError(`unknown Redis URL option "${name}" (known: prefix)`);
    keyPrefix = value;
  }
  url.search = '';
  return {
    url: url.toString(),
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || 6379),
    db: Number(dbText || 0),
    tls: url.protocol === 'rediss:',
    keyPrefix,
  };
}

const CONNECT_TIMEOUT_MS = 3_000;

/**
 * How a connection behaves when Redis goes away: it reconnects for ever (backing off to 2 s between attempts),
 * and commands issued meanwhile fail after one attempt instead of waiting (the store also bounds each operation
 * in time). So a dead Redis costs requests an error, and its return needs no restart.
 */
const CONNECTION: RedisOptions = {
  connectTimeout: CONNECT_TIMEOUT_MS,
  commandTimeout: CONNECT_TIMEOUT_MS,
  maxRetriesPerRequest: 1,
  retryStrategy: (attempt: number) => Math.min(100 * attempt, 2_000),
  lazyConnect: true,
};

/**
 * Connects to the Redis of `location` and returns a RedisStateStore on it. A server with cluster mode on is
 * detected (`INFO cluster`) and used through ioredis's Cluster client, seeded with this one node: the same URL
 * serves a single Redis and a Redis Cluster. Throws if Redis cannot be reached now.
 */
export async function connectRedisStateStore(location: RedisLocation, options: { operationTimeoutMs?: number } = {}): Promise<RedisStateStore> {
  const { Cluster, Redis } = ioredis();
  const single = new Redis(location.url, CONNECTION);
  // Errors also reject the commands that meet them; the event would otherwise be printed by ioredis.
  single.on('error', () => undefined);
  try {
    await single.connect();
    const info = await single.info('cluster');
    if (!/^cluster_enabled:1/m.test(info)) return new RedisStateStore({ client: single, keyPrefix: location.keyPrefix, ...options });
  } catch (error) {
    single.disconnect();
    throw new Error(`cannot reach Redis at ${location.host}:${location.port}: ${(error as Error).message}`);
  }
  single.disconnect();
  if (location.db !== 0) throw new TypeError('a Redis Cluster has only database 0: drop /DB from the URL');
  const seed = new URL(location.url);
  const cluster = new Cluster([{ host: location.host, port: location.port }], {
    lazyConnect: true,
    clusterRetryStrategy: (attempt: number) => Math.min(100 * attempt, 2_000),
    slotsRefreshTimeout: CONNECT_TIMEOUT_MS,
    redisOptions: {
      ...CONNECTION,
      ...(seed.username ? { username: decodeURIComponent(seed.username) } : {}),
      ...(seed.password ? { password: decodeURIComponent(seed.password) } : {}),
      ...(location.tls ? { tls: {} } : {}),
    },
  });
  cluster.on('error', () => undefined);
  try {
    await cluster.connect();
  } catch (error) {
    cluster.disconnect();
    throw new Error(`cannot reach the Redis Cluster at ${location.host}:${location.port}: ${(error as Error).message}`);
  }
  return new RedisStateStore({ client: cluster, keyPrefix: location.keyPrefix, ...options });
}

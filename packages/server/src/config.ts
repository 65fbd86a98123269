import type { Logger } from 'pino';
import { DEFAULT_DAILY_QUOTAS, MEDIA_TYPE_RULES, type AppKind, type MediaType, type QuotaPath } from '@wxmedia/protocol';
import type { Clock } from './clock.ts';
import type { CloudEnvConfig } from './cloud/envs.ts';
import { cloudEnvProblem } from './cloud/env-rules.ts';
import { DEFAULT_CONTENT_TYPES, MIN_SIGNING_KEY_LENGTH, SERVER_DEFAULTS } from './defaults.ts';
import { isLogLevel, LOG_LEVELS } from './logger.ts';
import { appFieldsProblem } from './services/app-fields.ts';
import { DEFAULT_CALL_LOG_SIZE } from './services/call-log.ts';
import type { CallPeers } from './services/call-peers.ts';
import type { BlobStore } from './storage/blob-store.ts';
import { parseBlobStoreSpec, parseStateStoreSpec, type BlobStoreSpec, type StateStoreSpec } from './storage/open-stores.ts';
import type { StateStore } from './storage/state-store.ts';

export type { AppKind } from '@wxmedia/protocol';

export interface AppConfig {
  readonly appid: string;
  readonly secret: string;
  /** Default `miniprogram`. */
  readonly kind?: AppKind;
}

/** Content-Type of JSON replies (defaults: DEFAULT_CONTENT_TYPES). */
export interface ContentTypes {
  /** JSON replies (errors and upload results) from /cgi-bin/media/*. Default `text/plain`. */
  readonly media: string;
  /** JSON replies from every other endpoint. Default `application/json; encoding=utf-8`. */
  readonly api: string;
}

/**
 * Bounds on slow and idle clients. None caps a whole request: a slow upload may take as long as it needs while its
 * bytes keep coming. Seconds may be fractional.
 */
export interface Timeouts {
  /** The request line and headers must arrive within this many seconds. Default 60. */
  readonly headersSeconds: number;
  /**
   * Longest wait for the next bytes of a request body. A connection on which nothing moves either way for longer
   * than this and the headers timeout (a download nobody reads) is closed. Default 60.
   */
  readonly idleSeconds: number;
  /**
   * Once a body has kept the server waiting idleSeconds in all, it must average at least this many bytes per second
   * of waiting. Default 1024; 0 turns the bound off.
   */
  readonly minBodyBytesPerSecond: number;
}


/** Who may read GET /metrics: anyone who reaches the port (the default), admin-key holders only, or no one. */
export type MetricsAccess = 'public' | 'admin' | 'off';

export interface ServerOptions {
  /**
   * Where media bytes (`media/`), staging files, the embedded state database and `admin.key` live. Ignored when
   * `ephemeral`. Created 0700; an existing one that other users can enter or read is refused unless
   * `allowSharedDataDir`.
   */
  readonly dataDir?: string;
  /** Start even when the data directory is open to the group or others (docs/security.md). Default false. */
  readonly allowSharedDataDir?: boolean;
  /**
   * Keep nothing: state in memory, media in a temporary directory removed by close() (for CI). A process killed
   * with SIGKILL leaves that directory in the system's temp folder.
   */
  readonly ephemeral?: boolean;
  /** Apps to create or update at start. With none here and none stored, a development app is made and kept. */
  readonly apps?: readonly AppConfig[];
  /** Cloud environments for the wx-server-sdk gateway (each app also has an implicit env named after its appid). */
  readonly cloudEnvs?: readonly CloudEnvConfig[];
  /** The one clock behind every expiry. Default: real time. */
  readonly clock?: Clock;
  /**
   * Let the admin API move the clock (`POST /wxmedia/admin/clock`: advance, set, reset). Without an injected
   * clock, the moved clock is kept in the state store: it survives a restart and every instance shares it.
   * With an injected clock, that clock is moved if it is a ControllableClock (ManualClock, OffsetClock).
   */
  readonly timeTravel?: boolean;
  /**
   * How /cgi-bin/media/get answers an official account's video: `url` (default), JSON `{video_url}` as WeChat
   * documents it; `bytes`, the video itself. See http/video-url.ts.
   */
  readonly videoGet?: 'url' | 'bytes';
  /** The address clients reach this server by (behind a proxy), for video_url; default: the request's own. */
  readonly publicUrl?: string;
  /** GET /metrics access (default `public`: scrapers usually reach it on a network path of their own). */
  readonly metrics?: MetricsAccess;
  /** How many recent WeChat API calls each instance keeps for the calls record (default 1000). */
  readonly recentCalls?: number;
  /**
   * The processes that serve as one server with this one (the workers of `wxmedia serve --workers N`): the admin
   * API's calls record asks them too (services/call-peers.ts). Default: none.
   */
  readonly callPeers?: CallPeers;
  /**
   * What GET /metrics answers. Default: this server's own registry. The workers of `wxmedia serve --workers N` give
   * every worker's, aggregated by the primary (observability/cluster-metrics.ts).
   */
  readonly metricsSource?: () => Promise<{ contentType: string; body: string }>;
  /**
   * Key that signs media ids and tokens. Instances sharing storage must share it. Default: generated once and kept
   * in the state store.
   */
  readonly signingKey?: string;
  /** Bearer key of the admin API. Default: generated once and written to `<dataDir>/admin.key`. */
  readonly adminKey?: string;
  /** Size limit per media type in bytes (defaults: MEDIA_TYPE_RULES). */
  readonly maxBytes?: Partial<Record<MediaType, number>>;
  /** Daily quota per API path and app (defaults: DEFAULT_DAILY_QUOTAS). */
  readonly dailyQuotas?: Partial<Record<QuotaPath, number>>;
  readonly contentTypes?: Partial<ContentTypes>;
  /** How often the expiry sweeper runs, in seconds. Default 60 (SERVER_DEFAULTS). */
  readonly sweepIntervalSeconds?: number;
  readonly timeouts?: Partial<Timeouts>;
  /** Open connections at most; one more is answered 503 and closed. Default 10 000. */
  readonly maxConnections?: number;
  /**
   * Failed credential checks (wrong secret, cloud-call signature or admin key) allowed per minute for one appid and
   * client address; past it, that pair gets 45011 for the rest of the minute whatever it sends. Default 10; 0: no
   * limit.
   */
  readonly credentialFailuresPerMinute?: number;
  /**
   * Where media bytes live: a BlobStore, or `file` (default: under dataDir) or `s3://BUCKET[/PREFIX]` (endpoint,
   * region and credentials from the AWS SDK's standard settings). Instances sharing a bucket are one service.
   */
  readonly blobStore?: BlobStore | string;
  /**
   * Where apps, tokens, quotas and the signing key live: a StateStore, or `lmdb` (default: under dataDir) or
   * `redis://[user:pass@]HOST:PORT[/DB]` (`rediss://` for TLS; a Redis Cluster is detected).
   */
  readonly stateStore?: StateStore | string;
  /** A pino logger, or a level for the default one (`info`; `silent` in tests). Tokens and secrets are redacted. */
  readonly logger?: Logger;
  readonly logLevel?: string;
}

/** Options with every default filled in and every value checked. */
export interface ResolvedOptions {
  readonly dataDir: string;
  readonly allowSharedDataDir: boolean;
  readonly apps: readonly AppConfig[];
  readonly cloudEnvs: readonly CloudEnvConfig[];
  readonly timeTravel: boolean;
  readonly metrics: MetricsAccess;
  readonly recentCalls: number;
  readonly videoGet: 'url' | 'bytes';
  readonly publicUrl: string | undefined;
  readonly signingKey: string | undefined;
  readonly adminKey: string | undefined;
  readonly maxBytes: Readonly<Record<MediaType, number>>;
  readonly dailyQuotas: Readonly<Record<QuotaPath, number>>;
  readonly contentTypes: ContentTypes;
  readonly sweepIntervalSeconds: number;
  readonly timeouts: Timeouts;
  readonly maxConnections: number;
  readonly credentialFailuresPerMinute: number;
  readonly blobStore: BlobStoreSpec;
  readonly stateStore: StateStoreSpec;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function resolveOptions(options: ServerOptions): ResolvedOptions {
  if (!options.dataDir) throw new ConfigError('dataDir is required: pass --data DIR or set WXMEDIA_DATA');
  const seen = new Set<string>();
  for (const app of options.apps ?? []) {
    const problem = appFieldsProblem(app, { required: true });
    if (problem) throw new ConfigError(`app ${JSON.stringify(app.appid)}: ${problem}`);
    if (seen.has(app.appid)) throw new ConfigError(`app ${app.appid} is configured twice`);
    seen.add(app.appid);
  }
  if (options.logLevel !== undefined && !isLogLevel(options.logLevel)) {
    throw new ConfigError(`log level "${options.logLevel}" must be one of ${LOG_LEVELS.join(', ')}`);
  }
  if (options.signingKey !== undefined && options.signingKey.length < MIN_SIGNING_KEY_LENGTH) {
    throw new ConfigError(`the signing key must be at least ${MIN_SIGNING_KEY_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`);
  }
  const cloudEnvs = checkCloudEnvs(options.cloudEnvs ?? []);
  const maxBytes = { ...defaultsOf(MEDIA_TYPE_RULES, (r) => r.maxBytes), ...knownKeys(options.maxBytes, MEDIA_TYPE_RULES, 'maxBytes') };
  for (const [type, n] of Object.entries(maxBytes)) positiveInt(n, `size limit of ${type}`);
  const dailyQuotas = { ...DEFAULT_DAILY_QUOTAS, ...knownKeys(options.dailyQuotas, DEFAULT_DAILY_QUOTAS, 'dailyQuotas') };
  for (const [path, n] of Object.entries(dailyQuotas)) positiveInt(n, `daily quota of ${path}`);
  const contentTypes = { ...DEFAULT_CONTENT_TYPES, ...knownKeys(options.contentTypes, DEFAULT_CONTENT_TYPES, 'contentTypes') };
  for (const [group, type] of Object.entries(contentTypes)) {
    if (typeof type !== 'string' || !CONTENT_TYPE.test(type)) {
      throw new ConfigError(`contentTypes.${group} must be a media type such as "text/plain" or "application/json; encoding=utf-8", got ${JSON.stringify(type)}`);
    }
  }
  const sweepIntervalSeconds = options.sweepIntervalSeconds ?? SERVER_DEFAULTS.sweepIntervalSeconds;
  positiveInt(sweepIntervalSeconds, 'sweep interval');
  const timeouts: Timeouts = { ...SERVER_DEFAULTS.timeouts, ...knownKeys(options.timeouts, SERVER_DEFAULTS.timeouts, 'timeouts') };
  positiveSeconds(timeouts.headersSeconds, 'headers timeout');
  positiveSeconds(timeouts.idleSeconds, 'idle timeout');
  if (!Number.isFinite(timeouts.minBodyBytesPerSecond) || timeouts.minBodyBytesPerSecond < 0) {
    throw new ConfigError(`minimum body rate must be 0 (off) or a positive number of bytes per second, got ${timeouts.minBodyBytesPerSecond}`);
  }
  const maxConnections = options.maxConnections ?? SERVER_DEFAULTS.maxConnections;
  positiveInt(maxConnections, 'max connections');
  const credentialFailuresPerMinute = options.credentialFailuresPerMinute ?? SERVER_DEFAULTS.credentialFailuresPerMinute;
  if (!Number.isSafeInteger(credentialFailuresPerMinute) || credentialFailuresPerMinute < 0) {
    throw new ConfigError(`credential failures per minute must be 0 (no limit) or a positive integer, got ${credentialFailuresPerMinute}`);
  }
  const metrics = options.metrics ?? 'public';
  if (metrics !== 'public' && metrics !== 'admin' && metrics !== 'off') throw new ConfigError(`metrics must be public, admin or off, got "${String(metrics)}"`);
  const videoGet = options.videoGet ?? 'url';
  if (videoGet !== 'url' && videoGet !== 'bytes') throw new ConfigError(`videoGet must be url or bytes, got "${String(videoGet)}"`);
  if (options.publicUrl !== undefined && !/^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(options.publicUrl)) {
    throw new ConfigError(`publicUrl "${options.publicUrl}" must be an http(s) URL such as https://media.example.com`);
  }
  const recentCalls = options.recentCalls ?? DEFAULT_CALL_LOG_SIZE;
  positiveInt(recentCalls, 'recentCalls');
  const blobStore: BlobStoreSpec =
    typeof options.blobStore === 'object' ? { kind: 'given', store: options.blobStore } : spec(parseBlobStoreSpec, options.blobStore ?? 'file');
  // An ephemeral server keeps its state in memory unless told otherwise.
  const stateStore: StateStoreSpec =
    typeof options.stateStore === 'object'
      ? { kind: 'given', store: options.stateStore }
      : spec(parseStateStoreSpec, options.stateStore ?? (options.ephemeral ? 'memory' : 'lmdb'));
  return {
    blobStore,
    stateStore,
    dataDir: options.dataDir,
    allowSharedDataDir: options.allowSharedDataDir ?? false,
    apps: options.apps ?? [],
    cloudEnvs,
    timeTravel: options.timeTravel ?? false,
    metrics,
    recentCalls,
    videoGet,
    publicUrl: options.publicUrl,
    signingKey: options.signingKey,
    adminKey: options.adminKey,
    maxBytes,
    dailyQuotas,
    contentTypes,
    sweepIntervalSeconds,
    timeouts,
    maxConnections,
    credentialFailuresPerMinute,
  };
}

/** `type/subtype` and optional parameters, on one line (it becomes a header value). */
const CONTENT_TYPE = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(\s*;[^\r\n]*)?$/;

/** Each env checked by the rules `--cloud-env` follows (cloud/env-rules.ts), and no env id twice. */
function checkCloudEnvs(cloudEnvs: readonly CloudEnvConfig[]): readonly CloudEnvConfig[] {
  if (!Array.isArray(cloudEnvs)) throw new ConfigError('cloudEnvs must be a list of {env, appid, secretId?, secretKey?, openapi?}');
  const seen = new Set<string>();
  cloudEnvs.forEach((env, i) => {
    const problem = cloudEnvProblem(env);
    if (problem) throw new ConfigError(`cloudEnvs[${i}]: ${problem}`);
    if (seen.has(env.env)) throw new ConfigError(`cloud env ${env.env} is configured twice`);
    seen.add(env.env);
  });
  return cloudEnvs;
}

/** An options object whose keys must all name something `known` has (a typo must not pass unnoticed). */
function knownKeys<T extends object>(value: T | undefined, known: object, what: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(`${what} must be an object`);
  const unknown = Object.keys(value).find((k) => !Object.hasOwn(known, k));
  if (unknown !== undefined) throw new ConfigError(`${what} has no ${JSON.stringify(unknown)}: it takes ${Object.keys(known).join(', ')}`);
  return value;
}

/** Up to a day: Node's timers cannot go past 24.8 days, and no client needs more. */
function positiveSeconds(n: number, what: string): void {
  if (!Number.isFinite(n) || n <= 0 || n > 86_400) throw new ConfigError(`${what} must be more than 0 and at most 86400 seconds, got ${n}`);
}

function spec<T>(parse: (text: string) => T, text: string): T {
  try {
    return parse(text);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

function positiveInt(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n <= 0) throw new ConfigError(`${what} must be a positive integer, got ${n}`);
}

function defaultsOf<K extends string, V, R>(rec: Readonly<Record<K, V>>, f: (v: V) => R): Record<K, R> {
  return Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, f(v as V)])) as Record<K, R>;
}

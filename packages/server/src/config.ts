import type { Logger } from 'pino';
import { DEFAULT_DAILY_QUOTAS, MEDIA_TYPE_RULES, type MediaType, type QuotaPath } from '@wxmedia/protocol';
import type { Clock } from './clock.ts';
import type { CloudEnvConfig } from './cloud/gateway.ts';
import type { BlobStore } from './storage/blob-store.ts';
import { parseBlobStoreSpec, parseStateStoreSpec, type BlobStoreSpec, type StateStoreSpec } from './storage/open-stores.ts';
import type { StateStore } from './storage/state-store.ts';

/** A mini program may upload images only (seed 000); an official account also voice, video and thumb. */
export type AppKind = 'miniprogram' | 'official';

export interface AppConfig {
  readonly appid: string;
  readonly secret: string;
  /** Default `miniprogram`. */
  readonly kind?: AppKind;
}

/** Content-Type of JSON replies. WeChat's media endpoints answer `text/plain`, its token endpoint JSON. */
export interface ContentTypes {
  /** JSON replies (errors and upload results) from /cgi-bin/media/*. Default `text/plain`. */
  readonly media: string;
  /** JSON replies from every other endpoint. Default `application/json; encoding=utf-8`. */
  readonly api: string;
}

export interface ServerOptions {
  /** Where media bytes (`media/`), staging files and the embedded state database live. */
  readonly dataDir: string;
  /** Apps to create or update at start. With none here and none stored, a development app is made and kept. */
  readonly apps?: readonly AppConfig[];
  /** Cloud environments for the wx-server-sdk gateway (each app also has an implicit env named after its appid). */
  readonly cloudEnvs?: readonly CloudEnvConfig[];
  /** The one clock behind every expiry. Default: real time. */
  readonly clock?: Clock;
  /** Expose `POST /wxmedia/admin/clock` so users can move the clock forward (needs an OffsetClock or ManualClock). */
  readonly timeTravel?: boolean;
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
  /** How often the expiry sweeper runs, in seconds. Default 60. */
  readonly sweepIntervalSeconds?: number;
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
  readonly apps: readonly AppConfig[];
  readonly cloudEnvs: readonly CloudEnvConfig[];
  readonly timeTravel: boolean;
  readonly signingKey: string | undefined;
  readonly adminKey: string | undefined;
  readonly maxBytes: Readonly<Record<MediaType, number>>;
  readonly dailyQuotas: Readonly<Record<QuotaPath, number>>;
  readonly contentTypes: ContentTypes;
  readonly sweepIntervalSeconds: number;
  readonly blobStore: BlobStoreSpec;
  readonly stateStore: StateStoreSpec;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const APPID = /^[A-Za-z0-9_-]{1,64}$/;

export function resolveOptions(options: ServerOptions): ResolvedOptions {
  if (!options.dataDir) throw new ConfigError('dataDir is required: pass --data DIR or set WXMEDIA_DATA');
  const seen = new Set<string>();
  for (const app of options.apps ?? []) {
    if (!APPID.test(app.appid)) throw new ConfigError(`appid "${app.appid}" must be 1-64 characters of [A-Za-z0-9_-]`);
    if (!app.secret || app.secret.length < 8) throw new ConfigError(`the secret of app ${app.appid} must be at least 8 characters`);
    if (app.kind && app.kind !== 'miniprogram' && app.kind !== 'official') {
      throw new ConfigError(`app ${app.appid}: kind must be "miniprogram" or "official"`);
    }
    if (seen.has(app.appid)) throw new ConfigError(`app ${app.appid} is configured twice`);
    seen.add(app.appid);
  }
  if (options.signingKey !== undefined && options.signingKey.length < 32) {
    throw new ConfigError('the signing key must be at least 32 characters (e.g. `openssl rand -hex 32`)');
  }
  const maxBytes = { ...defaultsOf(MEDIA_TYPE_RULES, (r) => r.maxBytes), ...options.maxBytes };
  for (const [type, n] of Object.entries(maxBytes)) positiveInt(n, `size limit of ${type}`);
  const dailyQuotas = { ...DEFAULT_DAILY_QUOTAS, ...options.dailyQuotas };
  for (const [path, n] of Object.entries(dailyQuotas)) positiveInt(n, `daily quota of ${path}`);
  const sweepIntervalSeconds = options.sweepIntervalSeconds ?? 60;
  positiveInt(sweepIntervalSeconds, 'sweep interval');
  const blobStore: BlobStoreSpec =
    typeof options.blobStore === 'object' ? { kind: 'given', store: options.blobStore } : spec(parseBlobStoreSpec, options.blobStore ?? 'file');
  const stateStore: StateStoreSpec =
    typeof options.stateStore === 'object' ? { kind: 'given', store: options.stateStore } : spec(parseStateStoreSpec, options.stateStore ?? 'lmdb');
  return {
    blobStore,
    stateStore,
    dataDir: options.dataDir,
    apps: options.apps ?? [],
    cloudEnvs: options.cloudEnvs ?? [],
    timeTravel: options.timeTravel ?? false,
    signingKey: options.signingKey,
    adminKey: options.adminKey,
    maxBytes,
    dailyQuotas,
    contentTypes: { media: 'text/plain', api: 'application/json; encoding=utf-8', ...options.contentTypes },
    sweepIntervalSeconds,
  };
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

import { readFileSync } from 'node:fs';
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, isAppKind } from '@wxmedia/protocol';
import type { AppConfig, CloudEnvConfig, ServerOptions } from '@wxmedia/server';
import { fsProblem } from './fs-errors.ts';

/** Thrown for bad flags, env or config: printed as one line that says what to change. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT };

/** What `wxmedia serve` accepts, from flags; each also has an env variable and a config-file key. */
export interface ServeFlags {
  host?: string;
  port?: string;
  data?: string;
  app?: string[];
  config?: string;
  cloudEnv?: CloudEnvConfig[];
  timeTravel?: boolean;
  ephemeral?: boolean;
  metrics?: string;
  recentCalls?: string;
  logLevel?: string;
  logFormat?: string;
  blobStore?: string;
  stateStore?: string;
  workers?: string;
  allowSharedDataDir?: boolean;
  maxConnections?: string;
  headersTimeout?: string;
  idleTimeout?: string;
  minBodyRate?: string;
  credentialFailuresPerMinute?: string;
}

/** How `serve` logs: lines for people (pino-pretty), or JSON lines for machines. */
export type LogFormat = 'pretty' | 'json';

export interface ServeSettings {
  readonly host: string;
  readonly port: number;
  /** Processes serving the same port and stores (node:cluster); 1 serves in this process. */
  readonly workers: number;
  readonly server: ServerOptions;
  /** The log level, and the flag, variable or config key it came from (for messages). */
  readonly logLevel: { readonly value: string; readonly from: string };
  /** Undefined: pretty on a terminal, JSON otherwise. */
  readonly logFormat: LogFormat | undefined;
  /** Where the admin key was given, for the banner; undefined: the server keeps it in `<data>/admin.key`. */
  readonly adminKeyFrom: AdminKeySource | undefined;
}

/** An admin key given by the operator: in the environment, or in the config file (then no admin.key is written). */
export type AdminKeySource = { readonly env: 'WXMEDIA_ADMIN_KEY' } | { readonly configFile: string };

/** The most `--workers` accepted: beyond a few per core they only compete for the same CPUs. */
export const MAX_WORKERS = 64;

/** The keys a `--config` file may hold; any other is refused, so a typo is not silently ignored. */
const CONFIG_KEYS = [
  'host',
  'port',
  'data',
  'apps',
  'cloudEnvs',
  'timeTravel',
  'ephemeral',
  'metrics',
  'recentCalls',
  'signingKey',
  'adminKey',
  'logLevel',
  'logFormat',
  'maxBytes',
  'dailyQuotas',
  'contentTypes',
  'sweepIntervalSeconds',
  'blobStore',
  'stateStore',
  'workers',
  'allowSharedDataDir',
  'timeouts',
  'maxConnections',
  'credentialFailuresPerMinute',
  'videoGet',
  'publicUrl',
] as const;

/** `APPID:SECRET` or `APPID:SECRET:official`. */
export function parseAppFlag(text: string): AppConfig {
  const [appid, secret, kind, ...rest] = text.split(':');
  if (!appid || !secret || rest.length > 0 || (kind !== undefined && !isAppKind(kind))) {
    throw new CliError(`--app "${text.split(':')[0]}:…" must look like APPID:SECRET or APPID:SECRET:official`);
  }
  return { appid, secret, ...(kind ? { kind } : {}) };
}

/**
 * Flags win over environment variables, which win over the config file (`--config`, `WXMEDIA_CONFIG`):
 * WXMEDIA_HOST, WXMEDIA_PORT, WXMEDIA_DATA, WXMEDIA_APPS (comma-separated APPID:SECRET), WXMEDIA_SIGNING_KEY,
 * WXMEDIA_ADMIN_KEY, WXMEDIA_LOG_LEVEL, WXMEDIA_LOG_FORMAT, WXMEDIA_TIME_TRAVEL=1, WXMEDIA_EPHEMERAL=1, WXMEDIA_METRICS,
 * WXMEDIA_RECENT_CALLS, WXMEDIA_BLOB_STORE, WXMEDIA_STATE_STORE, WXMEDIA_WORKERS, WXMEDIA_ALLOW_SHARED_DATA_DIR=1,
 * WXMEDIA_MAX_CONNECTIONS, WXMEDIA_HEADERS_TIMEOUT, WXMEDIA_IDLE_TIMEOUT, WXMEDIA_MIN_BODY_RATE,
 * WXMEDIA_CREDENTIAL_FAILURES_PER_MINUTE.
 */
export function resolveServeSettings(flags: ServeFlags, env: NodeJS.ProcessEnv): ServeSettings {
  const configPath = flags.config ?? env['WXMEDIA_CONFIG'];
  const file = readConfigFile(configPath);
  const host = flags.host ?? env['WXMEDIA_HOST'] ?? field(file, 'host', 'string') ?? DEFAULT_HOST;
  const portText = flags.port ?? env['WXMEDIA_PORT'] ?? field(file, 'port', 'number')?.toString() ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535) throw new CliError(`port "${portText}" must be a number from 0 to 65535`);
  const dataDir = flags.data ?? env['WXMEDIA_DATA'] ?? field(file, 'data', 'string') ?? DEFAULT_DATA_DIR;

  let apps: AppConfig[] = [];
  if (flags.app?.length) apps = flags.app.map(parseAppFlag);
  else if (env['WXMEDIA_APPS']) apps = env['WXMEDIA_APPS'].split(',').filter(Boolean).map(parseAppFlag);
  else apps = (field(file, 'apps', 'list') ?? []) as AppConfig[];

  // A file's entries are checked by the server, by the rules --app and --cloud-env follow (resolveOptions).
  const cloudEnvs = flags.cloudEnv?.length ? flags.cloudEnv : ((field(file, 'cloudEnvs', 'list') ?? []) as CloudEnvConfig[]);
  const timeTravel = flags.timeTravel ?? (env['WXMEDIA_TIME_TRAVEL'] === '1' || file['timeTravel'] === true);
  const signingKey = env['WXMEDIA_SIGNING_KEY'] ?? field(file, 'signingKey', 'string');
  const adminKey = env['WXMEDIA_ADMIN_KEY'] ?? field(file, 'adminKey', 'string');
  const adminKeyFrom: AdminKeySource | undefined = env['WXMEDIA_ADMIN_KEY']
    ? { env: 'WXMEDIA_ADMIN_KEY' }
    : adminKey && configPath
      ? { configFile: configPath }
      : undefined;
  const logLevel =
    flags.logLevel !== undefined
      ? { value: flags.logLevel, from: '--log-level' }
      : env['WXMEDIA_LOG_LEVEL']
        ? { value: env['WXMEDIA_LOG_LEVEL'], from: 'WXMEDIA_LOG_LEVEL' }
        : { value: field(file, 'logLevel', 'string') ?? 'info', from: 'config key "logLevel"' };
  const logFormatText = flags.logFormat ?? (env['WXMEDIA_LOG_FORMAT'] || undefined) ?? field(file, 'logFormat', 'string');
  if (logFormatText !== undefined && logFormatText !== 'pretty' && logFormatText !== 'json') {
    throw new CliError(`log format "${logFormatText}" must be pretty or json (--log-format, WXMEDIA_LOG_FORMAT)`);
  }
  const ephemeral = flags.ephemeral ?? (env['WXMEDIA_EPHEMERAL'] === '1' || file['ephemeral'] === true);
  const metrics = flags.metrics ?? env['WXMEDIA_METRICS'] ?? field(file, 'metrics', 'string');
  if (metrics !== undefined && metrics !== 'public' && metrics !== 'admin' && metrics !== 'off') throw new CliError(`--metrics must be public, admin or off, got "${metrics}"`);
  const recentText = flags.recentCalls ?? env['WXMEDIA_RECENT_CALLS'] ?? field(file, 'recentCalls', 'number')?.toString();
  const recentCalls = recentText === undefined ? undefined : Number(recentText);
  if (recentCalls !== undefined && (!/^\d+$/.test(recentText!) || recentCalls < 1 || recentCalls > 1_000_000)) {
    throw new CliError(`--recent-calls "${recentText}" must be a number from 1 to 1000000`);
  }
  const blobStore = flags.blobStore ?? env['WXMEDIA_BLOB_STORE'] ?? field(file, 'blobStore', 'string');
  const stateStore = flags.stateStore ?? env['WXMEDIA_STATE_STORE'] ?? field(file, 'stateStore', 'string');
  const workersText = flags.workers ?? env['WXMEDIA_WORKERS'] ?? field(file, 'workers', 'number')?.toString() ?? '1';
  const workers = Number(workersText);
  if (!/^\d+$/.test(workersText) || workers < 1 || workers > MAX_WORKERS) {
    throw new CliError(`workers "${workersText}" must be a number from 1 to ${MAX_WORKERS}`);
  }
  // An ephemeral server keeps its state in its own memory: nothing another process could share.
  if (ephemeral && (blobStore !== undefined || stateStore !== undefined)) throw new CliError('--ephemeral keeps nothing: drop --blob-store/--state-store, or --ephemeral');
  if (ephemeral && workers > 1) throw new CliError('--ephemeral keeps state in each process\'s memory, which workers cannot share: drop --workers or --ephemeral');
  const allowSharedDataDir = flags.allowSharedDataDir ?? (env['WXMEDIA_ALLOW_SHARED_DATA_DIR'] === '1' || file['allowSharedDataDir'] === true);
  // The file's own keys go on to the server, which refuses one it does not know, by name.
  const fileTimeouts = field(file, 'timeouts', 'object') ?? {};
  const timeouts = {
    ...fileTimeouts,
    ...setting(flags.headersTimeout, env['WXMEDIA_HEADERS_TIMEOUT'], field(fileTimeouts, 'headersSeconds', 'number'), 'headersSeconds', '--headers-timeout'),
    ...setting(flags.idleTimeout, env['WXMEDIA_IDLE_TIMEOUT'], field(fileTimeouts, 'idleSeconds', 'number'), 'idleSeconds', '--idle-timeout'),
    ...setting(flags.minBodyRate, env['WXMEDIA_MIN_BODY_RATE'], field(fileTimeouts, 'minBodyBytesPerSecond', 'number'), 'minBodyBytesPerSecond', '--min-body-rate'),
  };

  const server: ServerOptions = {
    dataDir,
    apps,
    cloudEnvs,
    timeTravel,
    logLevel: logLevel.value,
    ...(ephemeral ? { ephemeral } : {}),
    ...(metrics ? { metrics } : {}),
    ...(recentCalls ? { recentCalls } : {}),
    allowSharedDataDir,
    timeouts,
    ...setting(flags.maxConnections, env['WXMEDIA_MAX_CONNECTIONS'], field(file, 'maxConnections', 'number'), 'maxConnections', '--max-connections'),
    ...setting(
      flags.credentialFailuresPerMinute,
      env['WXMEDIA_CREDENTIAL_FAILURES_PER_MINUTE'],
      field(file, 'credentialFailuresPerMinute', 'number'),
      'credentialFailuresPerMinute',
      '--credential-failures-per-minute',
    ),
    ...(signingKey ? { signingKey } : {}),
    ...(adminKey ? { adminKey } : {}),
    // Taken whole: the server checks their values (resolveOptions).
    ...pick(file, ['maxBytes', 'dailyQuotas', 'contentTypes', 'sweepIntervalSeconds', 'videoGet', 'publicUrl']),
    ...(blobStore !== undefined ? { blobStore } : {}),
    ...(stateStore !== undefined ? { stateStore } : {}),
  };
  return { host, port, workers, server, logLevel, logFormat: logFormatText, adminKeyFrom };
}

function readConfigFile(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read config file ${path}: ${fsProblem(e) ?? String(e)}`);
  }
  let parsed: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    parsed = v as Record<string, unknown>;
  } catch (e) {
    throw new CliError(`config file ${path} must be a JSON object (${(e as Error).message})`);
  }
  const unknown = Object.keys(parsed).filter((k) => !(CONFIG_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new CliError(`config file ${path}: unknown key ${unknown.map((k) => `"${k}"`).join(', ')} (known keys: ${CONFIG_KEYS.join(', ')})`);
  }
  return parsed;
}

/** A config key's value, checked to be what the key takes; undefined when the file does not set it. */
function field(file: Record<string, unknown>, key: string, kind: 'string'): string | undefined;
function field(file: Record<string, unknown>, key: string, kind: 'number'): number | undefined;
function field(file: Record<string, unknown>, key: string, kind: 'list'): unknown[] | undefined;
function field(file: Record<string, unknown>, key: string, kind: 'object'): Record<string, unknown> | undefined;
function field(file: Record<string, unknown>, key: string, kind: 'string' | 'number' | 'list' | 'object'): unknown {
  const v = file[key];
  if (v === undefined) return undefined;
  const ok = kind === 'list' ? Array.isArray(v) : kind === 'object' ? typeof v === 'object' && v !== null && !Array.isArray(v) : typeof v === kind;
  if (!ok) throw new CliError(`config key "${key}" must be a${kind === 'object' ? 'n' : ''} ${kind}`);
  return v;
}

/** A numeric setting from its flag, env variable or config key (in that order), as `{[key]: n}`, or `{}` if unset. */
function setting<K extends string>(flag: string | undefined, env: string | undefined, fromFile: number | undefined, key: K, name: string): Partial<Record<K, number>> {
  const text = flag ?? env;
  if (text === undefined) return fromFile === undefined ? {} : ({ [key]: fromFile } as Record<K, number>);
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new CliError(`${name} "${text}" must be a number`);
  return { [key]: n } as Record<K, number>;
}

function pick(file: Record<string, unknown>, keys: readonly string[]): Partial<ServerOptions> {
  return Object.fromEntries(keys.filter((k) => file[k] !== undefined).map((k) => [k, file[k]])) as Partial<ServerOptions>;
}

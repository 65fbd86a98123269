import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { CLOUD_GATEWAY_PATH, DEFAULT_BASE_URL, redactValues } from '@wxmedia/protocol';
import { CliError } from '../serve-config.ts';
import { baseUrlOf, credentialsOf, withDataOption } from './client-options.ts';

/**
 * `wxmedia run-function <dir|index.js>`: a local cloud-function runner, like WeChat DevTools' local debugging,
 * pointed at wxmedia. The function runs in a child process (its env vars and module cache stay its own) with the
 * environment a Tencent SCF container gives wx-server-sdk, so an UNMODIFIED SDK with a bare `cloud.init()` calls
 * this server:
 *
 *   TCB_CONTEXT_CNFG={"URL":"<base>/admin"}         where the SDK posts (it overrides the Tencent host)
 *   TENCENTCLOUD_SECRETID/SECRETKEY = appid/secret    what it signs with (the app's implicit credentials)
 *   TENCENTCLOUD_RUNENV=SCF, SCF_NAMESPACE=TCB_ENV=<env>, TCB_CONTEXT_KEYS=TCB_ENV, TENCENTCLOUD_REGION
 *                                                     so `cloud.init()` and DYNAMIC_CURRENT_ENV name <env>
 *   WX_CONTEXT_KEYS=WX_APPID,WX_API_TOKEN, WX_APPID, WX_API_TOKEN=<function token>
 *                                                     getWXContext().APPID; the SDK forwards WX_API_TOKEN as
 *                                                     `wxCloudApiToken`, which tells the gateway the function's
 *                                                     name and config.json `permissions.openapi` (function-token.ts)
 *
 * wx-server-sdk is resolved from the function's own folder, as in the cloud; only when it has none there does
 * the runner lend it a copy wxmedia itself resolves (NODE_PATH), and says so. The wxmedia package does not depend on
 * wx-server-sdk (a function brings its own, as for deploying it): without either, the runner says to install it.
 */
export interface RunFunctionOptions {
  /** The function's folder (with index.js) or its entry file. */
  readonly target: string;
  /** The event passed to main. */
  readonly event: unknown;
  /** Cloud env id; default the appid (the app's implicit env). */
  readonly env?: string | undefined;
  readonly baseUrl: string;
  readonly appid: string;
  readonly secret: string;
  /** Seconds before the function is killed; default config.json `timeout`, else 60. */
  readonly timeoutSeconds?: number | undefined;
  /** Where the result JSON goes (default process.stdout) and where logs and notes go (default process.stderr). */
  readonly stdout?: NodeJS.WritableStream;
  readonly stderr?: NodeJS.WritableStream;
}

interface FunctionConfig {
  /** Whether the function has a config.json at all. */
  readonly found: boolean;
  readonly openapi: readonly string[];
  readonly hasPermissions: boolean;
  readonly timeoutSeconds: number | undefined;
}

const DEFAULT_TIMEOUT_SECONDS = 60;
const DEFAULT_REGION = 'ap-shanghai';
/** Variables of the parent that would confuse the SDK about where it runs: replaced, never inherited. */
const INHERIT_BLOCKLIST = /^(TCB_|SCF_|WX_|TENCENTCLOUD_)/;

interface FlagValues {
  event?: string;
  env?: string;
  baseUrl?: string;
  appid?: string;
  secret?: string;
  timeout?: string;
  data?: string;
}

export function addRunFunctionCommand(program: Command): void {
  const command = program
    .command('run-function')
    .description('run a cloud function (exports.main) locally with the unmodified wx-server-sdk, against wxmedia')
    .argument('<path>', "the function's folder (with index.js and config.json) or its entry .js file")
    .option('--event <json>', 'event passed to main, as JSON (default {})')
    .option('--env <env>', 'cloud env id (default: the appid, the app\'s implicit env)')
    .option('--base-url <url>', `wxmedia server (WXMEDIA_BASE_URL, default ${DEFAULT_BASE_URL})`)
    .option('--appid <appid>', 'app id (WXMEDIA_APPID)')
    .option('--secret <secret>', 'app secret (WXMEDIA_SECRET; prefer the variable, flags show in ps)')
    .option('--timeout <seconds>', 'kill the function after this long (default: config.json timeout, else 60)');
  withDataOption(command).action(async (target: string, flags: FlagValues) => {
    const { appid, secret } = await credentialsOf(flags);
    let event: unknown = {};
    if (flags.event !== undefined) {
      try {
        event = JSON.parse(flags.event);
      } catch {
        throw new CliError(`--event must be JSON, e.g. --event '{"mediaId":"…"}'`);
      }
    }
    let timeoutSeconds: number | undefined;
    if (flags.timeout !== undefined) {
      timeoutSeconds = Number(flags.timeout);
      if (!(timeoutSeconds > 0)) throw new CliError(`--timeout must be a positive number of seconds, got "${flags.timeout}"`);
    }
    process.exitCode = await runFunction({ target, event, env: flags.env, baseUrl: baseUrlOf(flags), appid, secret, timeoutSeconds });
  });
}

/** Runs the function once; resolves to the exit code (0 ok, 1 main threw / crashed / timed out). Throws CliError for setup problems. */
export async function runFunction(options: RunFunctionOptions): Promise<number> {
  const out = options.stdout ?? process.stdout;
  const err = options.stderr ?? process.stderr;
  const note = (line: string): void => {
    err.write(`wxmedia run-function: ${redactValues(line, [options.secret])}\n`);
  };
  const { dir, entry } = await resolveTarget(options.target);
  const name = basename(dir);
  const config = await readFunctionConfig(dir);
  if (!config.found) {
    note(`${dir} has no config.json: as in the cloud, the function may call no openapi (-604101); add one with {"permissions":{"openapi":["customerServiceMessage.uploadTempMedia"]}}`);
  } else if (!config.hasPermissions) {
    note(`${join(dir, 'config.json')} lists no permissions.openapi: as in the cloud, this function may call no openapi (-604101)`);
  }
  const nodePath = resolveSdk(entry, dir, note);
  const env = options.env ?? options.appid;
  const timeoutSeconds = options.timeoutSeconds ?? config.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  // Loaded here, not at the top, so the other commands start without the server.
  const { encodeFunctionToken } = await import('@wxmedia/server');
  const apiToken = encodeFunctionToken({ name, openapi: config.openapi });
  const childEnv = functionEnv({ ...options, env, name, apiToken, nodePath });
  const context = {
    callbackWaitsForEmptyEventLoop: false,
    memory_limit_in_mb: 256,
    time_limit_in_ms: Math.round(timeoutSeconds * 1000),
    request_id: randomUUID(),
    function_name: name,
    function_version: '$LATEST',
    namespace: env,
    // What a SCF context carries, minus the credentials (functions print their context).
    environment: JSON.stringify({ SCF_NAMESPACE: env, TCB_ENV: env, TCB_CONTEXT_KEYS: 'TCB_ENV' }),
  };
  const outcome = await runChild({ entry, dir, env: childEnv, event: options.event, context, timeoutSeconds, logs: err });
  switch (outcome.kind) {
    case 'unloadable':
      note(`${outcome.where ?? entry}: ${outcome.name}: ${outcome.message} (the function could not be loaded)`);
      return 1;
    case 'no-main': {
      if (outcome.esModule) {
        // Node loads a .js file under "type": "module" as an ES module, where `exports.main = …` and `require` do not
        // work (Node 20 even hands back an empty module without an error): say why, not "exports nothing".
        const scope = await moduleScope(dir);
        note(
          `${entry} was loaded as an ES module${scope ? ` (${scope} says "type": "module")` : ''} and exports no main: a cloud function is CommonJS (exports.main = async (event, context) => {…}); give its folder a package.json of its own without "type": "module", as for deploying it`,
        );
        return 1;
      }
      const exported = outcome.exported.length ? `it exports ${outcome.exported.join(', ')}` : 'it exports nothing';
      note(`${entry} has no main function (${exported}): a cloud function exports main, e.g. exports.main = async (event, context) => {…}`);
      return 1;
    }
    case 'returned':
      out.write(`${JSON.stringify(outcome.value ?? null, null, 2)}\n`);
      return 0;
    case 'threw':
      out.write(`${JSON.stringify(outcome.value ?? null, null, 2)}\n`);
      note(`main threw: ${outcome.message}${outcome.stack ? `\n${outcome.stack}` : ''}`);
      return 1;
    case 'timeout':
      note(`${name} did not finish within ${timeoutSeconds} s: killed (raise config.json "timeout" or pass --timeout)`);
      return 1;
    case 'crashed':
      note(`${name} exited (${outcome.how}) before main returned`);
      return 1;
  }
}

async function resolveTarget(target: string): Promise<{ dir: string; entry: string }> {
  const path = resolve(target);
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new CliError(`no function at ${target}: give its folder (with index.js) or its .js file`);
  if (info.isDirectory()) {
    const entry = join(path, 'index.js');
    if (!(await stat(entry).catch(() => undefined))?.isFile()) throw new CliError(`${target} has no index.js (a cloud function's entry is index.js, exporting main)`);
    return { dir: path, entry };
  }
  return { dir: dirname(path), entry: path };
}

/** config.json: `permissions.openapi` (what the function may call) and `timeout` (seconds), both optional. */
async function readFunctionConfig(dir: string): Promise<FunctionConfig> {
  const file = join(dir, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { found: false, openapi: [], hasPermissions: false, timeoutSeconds: undefined };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not valid JSON`);
  }
  const root = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const permissions = root['permissions'];
  const openapi = typeof permissions === 'object' && permissions !== null ? (permissions as Record<string, unknown>)['openapi'] : undefined;
  if (openapi !== undefined && (!Array.isArray(openapi) || !openapi.every((a) => typeof a === 'string'))) {
    throw new CliError(`${file}: permissions.openapi must be a list of API names, e.g. ["customerServiceMessage.uploadTempMedia"]`);
  }
  const timeout = root['timeout'];
  return {
    found: true,
    openapi: (openapi as string[] | undefined) ?? [],
    hasPermissions: Array.isArray(openapi),
    timeoutSeconds: typeof timeout === 'number' && timeout > 0 ? timeout : undefined,
  };
}

/** The package.json that puts `dir` in ES-module scope ("type": "module"), as Node looks for it; else undefined. */
async function moduleScope(dir: string): Promise<string | undefined> {
  for (let at = dir; ; at = dirname(at)) {
    const file = join(at, 'package.json');
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined) {
      try {
        return (JSON.parse(text) as { type?: unknown }).type === 'module' ? file : undefined;
      } catch {
        return undefined;
      }
    }
    if (dirname(at) === at) return undefined;
  }
}

/** undefined when the function resolves wx-server-sdk itself; else the NODE_PATH lending it wxmedia's copy. */
function resolveSdk(entry: string, dir: string, note: (line: string) => void): string | undefined {
  try {
    createRequire(entry).resolve('wx-server-sdk');
    return undefined;
  } catch {
    // fall through to wxmedia's own copy
  }
  let own: string;
  try {
    own = createRequire(import.meta.url).resolve('wx-server-sdk');
  } catch {
    throw new CliError(`wx-server-sdk is not installed for ${dir}: run \`npm install wx-server-sdk\` there (as for deploying it)`);
  }
  // …/node_modules/wx-server-sdk/index.js → …/node_modules, the folder NODE_PATH must name.
  const at = own.lastIndexOf(`${sep}node_modules${sep}wx-server-sdk${sep}`);
  const nodeModules = own.slice(0, at + `${sep}node_modules`.length);
  note(`${dir} has no wx-server-sdk of its own; lending it the copy in ${nodeModules} (install it in the function to pin its version)`);
  return nodeModules;
}

function functionEnv(o: RunFunctionOptions & { env: string; name: string; apiToken: string; nodePath: string | undefined }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!INHERIT_BLOCKLIST.test(k) && !k.startsWith('WXMEDIA_')) env[k] = v;
  Object.assign(env, {
    TCB_CONTEXT_CNFG: JSON.stringify({ URL: `${o.baseUrl.replace(/\/+$/, '')}${CLOUD_GATEWAY_PATH}` }),
    TENCENTCLOUD_SECRETID: o.appid,
    TENCENTCLOUD_SECRETKEY: o.secret,
    TENCENTCLOUD_RUNENV: 'SCF',
    TENCENTCLOUD_REGION: process.env['TENCENTCLOUD_REGION'] ?? DEFAULT_REGION,
    SCF_NAMESPACE: o.env,
    SCF_FUNCTIONNAME: o.name,
    SCF_FUNCTIONVERSION: '$LATEST',
    TCB_ENV: o.env,
    TCB_CONTEXT_KEYS: 'TCB_ENV',
    WX_CONTEXT_KEYS: 'WX_APPID,WX_API_TOKEN',
    WX_APPID: o.appid,
    WX_API_TOKEN: o.apiToken,
  });
  if (o.nodePath) env['NODE_PATH'] = o.nodePath;
  return env;
}

type Outcome =
  | { kind: 'unloadable'; name: string; message: string; where: string | undefined }
  | { kind: 'no-main'; exported: string[]; esModule: boolean }
  | { kind: 'returned'; value: unknown }
  | { kind: 'threw'; value: unknown; message: string; stack: string | undefined }
  | { kind: 'timeout' }
  | { kind: 'crashed'; how: string };

/**
 * The child: loads the entry with require (a cloud function is CommonJS), calls main(event, context), and sends
 * back the outcome over IPC, summarised the way JSON.stringify would serialise it — except Buffers, which become
 * {type: 'Buffer', length, sha256}, and thrown Errors without an errMsg, which keep name and message.
 */
const CHILD_SOURCE = String.raw`
const { createHash } = require('node:crypto');
function summarise(v, seen) {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v !== 'object') return undefined;
  if (v instanceof Uint8Array) return { type: 'Buffer', length: v.length, sha256: createHash('sha256').update(v).digest('hex') };
  if (seen.has(v)) return '[Circular]';
  seen.add(v);
  try {
    if (typeof v.toJSON === 'function' && !(v instanceof Error)) return summarise(v.toJSON(), seen);
    if (Array.isArray(v)) return v.map((x) => { const s = summarise(x, seen); return s === undefined ? null : s; });
    const o = {};
    if (v instanceof Error && typeof v.errMsg !== 'string') { o.name = v.name; o.message = v.message; }
    for (const k of Object.keys(v)) { const s = summarise(v[k], seen); if (s !== undefined) o[k] = s; }
    return o;
  } finally { seen.delete(v); }
}
// Where in the function's own files a load failure happened: a SyntaxError's stack starts "file:line", other
// errors name it in a frame.
function whereOf(e, dir) {
  const stack = e && typeof e.stack === 'string' ? e.stack : '';
  const first = /^(\/[^\n:]+):(\d+)\n/.exec(stack);
  if (first && first[1].startsWith(dir)) return first[1] + ':' + first[2];
  const frame = stack.split('\n').map((l) => /\(?(\/[^():]+):(\d+):\d+\)?$/.exec(l.trim())).find((m) => m && m[1].startsWith(dir));
  return frame ? frame[1] + ':' + frame[2] : undefined;
}
process.once('message', async (spec) => {
  const done = (outcome) => process.send(outcome, () => process.exit(0));
  let fn;
  try {
    fn = require(spec.entry);
  } catch (e) {
    return done({ kind: 'unloadable', name: (e && e.name) || 'Error', message: String((e && e.message) || e).split('\n')[0], where: whereOf(e, spec.dir) });
  }
  if (!fn || typeof fn.main !== 'function') {
    const esModule = Object.prototype.toString.call(fn) === '[object Module]';
    return done({ kind: 'no-main', exported: Object.keys(fn || {}), esModule });
  }
  let outcome;
  try {
    outcome = { kind: 'returned', value: summarise(await fn.main(spec.event, spec.context), new Set()) };
  } catch (e) {
    const message = e && typeof e === 'object' ? String(e.errMsg || e.message || e) : String(e);
    const stack = e instanceof Error && typeof e.errMsg !== 'string' ? e.stack : undefined;
    outcome = { kind: 'threw', value: summarise(e, new Set()), message, stack };
  }
  done(outcome);
});
`;

function runChild(o: {
  entry: string;
  dir: string;
  env: NodeJS.ProcessEnv;
  event: unknown;
  context: object;
  timeoutSeconds: number;
  logs: NodeJS.WritableStream;
}): Promise<Outcome> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['-e', CHILD_SOURCE], { cwd: o.dir, env: o.env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    // The function's own console output is log output: it goes to stderr, so stdout carries only the result.
    child.stdout?.pipe(o.logs, { end: false });
    child.stderr?.pipe(o.logs, { end: false });
    let outcome: Outcome | undefined;
    const timer = setTimeout(() => {
      outcome ??= { kind: 'timeout' };
      child.kill('SIGKILL');
    }, o.timeoutSeconds * 1000);
    child.on('message', (m: Outcome) => {
      outcome ??= m;
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new CliError(`could not start node for the function: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise(outcome ?? { kind: 'crashed', how: signal ? `signal ${signal}` : `code ${code}` });
    });
    child.send({ entry: o.entry, dir: o.dir + sep, event: o.event, context: o.context });
  });
}

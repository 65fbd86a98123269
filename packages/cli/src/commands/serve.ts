import cluster from 'node:cluster';
import { chmod, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { DestinationStream } from 'pino';
import { DEV_APP_FILE } from '@wxmedia/protocol';
import type { WxMediaServer } from '@wxmedia/server';
import { SERVER_DEFAULTS } from '@wxmedia/server/defaults';
import { checkDataDir } from '../data-dir.ts';
import { fsProblem } from '../fs-errors.ts';
import { CliError, DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, resolveServeSettings, type LogFormat, type ServeFlags } from '../serve-config.ts';
import { printBanner, type BannerFacts } from './serve-banner.ts';
import { runPrimary, tellPrimary } from './serve-workers.ts';
import { growOldGenerationFreely, holdYoungGeneration } from './heap-tuning.ts';

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface ServeCommandFlags extends Omit<ServeFlags, 'cloudEnv'> {
  cloudEnv?: string[];
}

/** `wxmedia serve`: the WeChat temporary-media API, until SIGINT/SIGTERM; with --workers N, in N processes. */
export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('start a server that answers like api.weixin.qq.com (tokens, media upload/get, quotas, cloud calls)')
    .option('--host <host>', `address to listen on (WXMEDIA_HOST, default ${DEFAULT_HOST}; 0.0.0.0 opens it to the network)`)
    .option('--port <port>', `port to listen on, 0 for any (WXMEDIA_PORT, default ${DEFAULT_PORT})`)
    .option('--data <dir>', `data directory: media, state, admin.key (WXMEDIA_DATA, default ${DEFAULT_DATA_DIR})`)
    .option('--blob-store <store>', 'where media bytes live: file (under --data) or s3://BUCKET[/PREFIX] (WXMEDIA_BLOB_STORE, default file)')
    .option('--state-store <store>', 'where apps, tokens and quotas live: lmdb (under --data) or redis://[user:pass@]HOST:PORT[/DB] (WXMEDIA_STATE_STORE, default lmdb)')
    .option('--workers <n>', 'processes serving the same port and stores (WXMEDIA_WORKERS, default 1)')
    .option('--app <appid:secret>', 'an app to serve, APPID:SECRET[:official]; repeatable (WXMEDIA_APPS=a:s,b:t)', collect)
    .option('--cloud-env <spec>', 'a cloud env for wx-server-sdk, ENV=APPID[…]; repeatable (docs/cloud-call.md)', collect)
    .option('--config <file>', 'JSON config file (WXMEDIA_CONFIG); flags and env win over it')
    .option('--time-travel', 'let `wxmedia clock` and the dashboard move the clock (reproduce 42001, expiry); WXMEDIA_TIME_TRAVEL=1')
    .option('--ephemeral', 'keep nothing: state in memory, media in a temp dir removed at exit (for CI); WXMEDIA_EPHEMERAL=1')
    .option('--metrics <access>', 'GET /metrics: public (default), admin (needs the admin key) or off; WXMEDIA_METRICS')
    .option('--recent-calls <n>', 'calls each instance keeps for `wxmedia calls` and the dashboard (WXMEDIA_RECENT_CALLS, default 1000)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (WXMEDIA_LOG_LEVEL, default info)')
    .option('--log-format <format>', 'pretty|json (WXMEDIA_LOG_FORMAT, default pretty on a terminal, json otherwise)')
    .option('--allow-shared-data-dir', 'start even if other users can read the data directory (WXMEDIA_ALLOW_SHARED_DATA_DIR=1; docs/security.md)')
    .option('--max-connections <n>', `open connections at most; more are answered 503 (WXMEDIA_MAX_CONNECTIONS, default ${SERVER_DEFAULTS.maxConnections})`)
    .option('--headers-timeout <seconds>', `request headers must arrive within (WXMEDIA_HEADERS_TIMEOUT, default ${SERVER_DEFAULTS.timeouts.headersSeconds})`)
    .option('--idle-timeout <seconds>', `longest pause in a request body (WXMEDIA_IDLE_TIMEOUT, default ${SERVER_DEFAULTS.timeouts.idleSeconds})`)
    .option('--min-body-rate <bytes>', `slowest average body rate, per second; 0: off (WXMEDIA_MIN_BODY_RATE, default ${SERVER_DEFAULTS.timeouts.minBodyBytesPerSecond})`)
    .option(
      '--credential-failures-per-minute <n>',
      `wrong secrets per app and address before 45011; 0: no limit (WXMEDIA_CREDENTIAL_FAILURES_PER_MINUTE, default ${SERVER_DEFAULTS.credentialFailuresPerMinute})`,
    )
    .action(async (flags: ServeCommandFlags) => {
      // Before the server's modules load: loading them is what first grows the heap (heap-tuning.ts).
      holdYoungGeneration();
      growOldGenerationFreely();
      // Loaded here, not at the top: `wxmedia --help` and the client commands start without the server.
      const server = await import('@wxmedia/server');
      const cloudEnv = (flags.cloudEnv ?? []).map((spec) => {
        try {
          return server.parseCloudEnvFlag(spec);
        } catch (e) {
          if (e instanceof server.CloudEnvFlagError) throw new CliError(e.message);
          throw e;
        }
      });
      const settings = resolveServeSettings({ ...flags, cloudEnv }, process.env);
      if (!server.isLogLevel(settings.logLevel.value)) {
        throw new CliError(`${settings.logLevel.from} "${settings.logLevel.value}" is not a log level: use one of ${server.LOG_LEVELS.join(', ')}`);
      }
      const dataDir = settings.server.dataDir ?? DEFAULT_DATA_DIR;
      if (!settings.server.ephemeral && !cluster.isWorker) await checkDataDir(dataDir, server.PRIVATE_DIR_MODE);
      if (settings.workers > 1 && cluster.isPrimary) {
        // This process only supervises; each worker runs this command again and serves (serve-workers.ts).
        await runPrimary(settings);
        return;
      }
      // On Node 20 the AWS SDK warns at every start that its versions of 2027 on will need Node 22. The version
      // wxmedia pins runs on Node 20, so the warning says nothing about this program; a user may set it otherwise.
      process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
      const format: LogFormat = settings.logFormat ?? (process.stdout.isTTY ? 'pretty' : 'json');
      const logger = server.createLogger({ level: settings.logLevel.value, destination: format === 'pretty' ? await prettyStream() : undefined });

      // A worker of --workers N answers for its siblings too (calls record, metrics): one server to its user.
      const peers = cluster.isWorker ? new (await import('./worker-peers.ts')).WorkerPeers() : undefined;
      let running: WxMediaServer;
      try {
        running = await server.createServer({ ...settings.server, logger, ...(peers ? { callPeers: peers, metricsSource: peers.metrics } : {}) });
      } catch (e) {
        if (e instanceof server.ConfigError) throw new CliError(e.message);
        throw dataDirError(e, dataDir) ?? e;
      }
      peers?.serve(running);
      const bound = await running.listen({ host: settings.host, port: settings.port }).catch(async (e: NodeJS.ErrnoException) => {
        await running.close();
        if (e.code === 'EADDRINUSE') throw new CliError(`port ${settings.port} is in use: pass another --port (0 picks a free one)`);
        if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') throw new CliError(`--host ${settings.host} is not an address of this machine`);
        if (e.code === 'EACCES') throw new CliError(`port ${settings.port} needs privileges this user lacks: pass a port above 1023`);
        throw e;
      });
      const devAppFile = running.devApp ? await writeDevAppFile(running.dataDir, running.devApp) : undefined;
      const facts: BannerFacts = {
        bound,
        host: settings.host,
        dataDir: running.dataDir,
        ephemeral: settings.server.ephemeral === true,
        adminKey: running.adminKey,
        adminKeyFrom: settings.adminKeyFrom,
        storage: running.storage,
        devApp: running.devApp ? { appid: running.devApp.appid, secret: running.devApp.secret } : undefined,
        devAppFile,
        configured: settings.server.apps?.map((a) => a.appid) ?? [],
      };
      if (cluster.isWorker) {
        tellPrimary(facts);
        // The primary decides when workers stop (SIGTERM, then SIGKILL after a grace time). A terminal's Ctrl-C also
        // reaches every worker of its process group: ignored here, the primary turns it into SIGTERM.
        process.on('SIGINT', () => undefined);
        process.once('SIGTERM', () => void running.close().then(() => process.exit(0), () => process.exit(1)));
        process.on('SIGTERM', () => undefined);
        return;
      }
      printBanner(facts, []);

      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) {
          process.stderr.write(`wxmedia: ${signal} again, exiting now\n`);
          process.exit(1);
        }
        stopping = true;
        process.stderr.write(`wxmedia: ${signal}, finishing in-flight requests\n`);
        running.close().then(
          () => process.exit(0),
          (e: unknown) => {
            process.stderr.write(`wxmedia: shutdown failed: ${(e as Error).message}\n`);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
}

/**
 * pino-pretty, synchronous (no worker thread) on stdout: one line per request with what a person looks for first,
 * the rest of a record's fields on the same line.
 */
async function prettyStream(): Promise<DestinationStream> {
  const { default: pretty } = await import('pino-pretty');
  return pretty({
    sync: true,
    destination: 1,
    // Colours on a terminal, unless it cannot show them or the user opted out (https://no-color.org).
    colorize: process.stdout.isTTY === true && !process.env['NO_COLOR'] && process.env['TERM'] !== 'dumb',
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,method,url,status,errcode,ms',
    singleLine: true,
    messageFormat: '{msg}{if method} {method} {url} → {status}{end}{if errcode} errcode {errcode}{end}{if ms} ({ms} ms){end}',
  });
}

/** A data-folder problem the pre-check could not see (e.g. LMDB's lock file on a read-only mount), as one line. */
function dataDirError(e: unknown, dataDir: string): CliError | undefined {
  const problem = fsProblem(e) ?? (/setup locks|read-only/i.test(String((e as Error)?.message)) ? (e as Error).message : undefined);
  return problem ? new CliError(`cannot use the data folder ${dataDir}: ${problem}; choose another with --data, or let this user write there`) : undefined;
}

/**
 * `<data>/dev-app.json` (owner-only): the development app's credentials, for scripts, and for people when the
 * banner does not print the secret.
 */
async function writeDevAppFile(dataDir: string, app: { appid: string; secret: string }): Promise<string> {
  const file = join(dataDir, DEV_APP_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify({ appid: app.appid, secret: app.secret }, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, file);
  return file;
}

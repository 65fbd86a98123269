import cluster from 'node:cluster';
import type { Command } from 'commander';
import { CloudEnvFlagError, ConfigError, createServer, parseCloudEnvFlag, type CloudEnvConfig } from '@wxmedia/server';
import { CliError, DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, resolveServeSettings, type ServeFlags, type ServeSettings } from '../serve-config.ts';
import { printBanner, type BannerFacts } from './serve-banner.ts';
import { runPrimary, tellPrimary } from './serve-workers.ts';

const collect = (value: string, previous: string[] = []) => [...previous, value];
const collectCloudEnv = (value: string, previous: CloudEnvConfig[] = []) => {
  try {
    return [...previous, parseCloudEnvFlag(value)];
  } catch (e) {
    if (e instanceof CloudEnvFlagError) throw new CliError(e.message);
    throw e;
  }
};

/** `wxmedia serve`: the WeChat temporary-media API, until SIGINT/SIGTERM; with --workers N, in N processes. */
export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('start a server that answers like api.weixin.qq.com (tokens, media upload/get, quotas, cloud calls)')
    .option('--host <host>', `address to listen on (WXMEDIA_HOST, default ${DEFAULT_HOST})`)
    .option('--port <port>', `port to listen on, 0 for any (WXMEDIA_PORT, default ${DEFAULT_PORT})`)
    .option('--data <dir>', `data directory: media, state, admin.key (WXMEDIA_DATA, default ${DEFAULT_DATA_DIR})`)
    .option('--blob-store <store>', 'where media bytes live: file (under --data) or s3://BUCKET[/PREFIX] (WXMEDIA_BLOB_STORE, default file)')
    .option('--state-store <store>', 'where apps, tokens and quotas live: lmdb (under --data) or redis://[user:pass@]HOST:PORT[/DB] (WXMEDIA_STATE_STORE, default lmdb)')
    .option('--workers <n>', 'processes serving the same port and stores (WXMEDIA_WORKERS, default 1)')
    .option('--app <appid:secret>', 'an app to serve, APPID:SECRET[:official]; repeatable (WXMEDIA_APPS=a:s,b:t)', collect)
    .option('--cloud-env <spec>', 'a cloud env for wx-server-sdk, ENV=APPID[…]; repeatable (docs/cloud-call.md)', collectCloudEnv)
    .option('--config <file>', 'JSON config file (WXMEDIA_CONFIG); flags and env win over it')
    .option('--time-travel', 'let `wxmedia clock` and the dashboard move the clock (reproduce 42001, expiry); WXMEDIA_TIME_TRAVEL=1')
    .option('--ephemeral', 'keep nothing: state in memory, media in a temp dir removed at exit (for CI); WXMEDIA_EPHEMERAL=1')
    .option('--metrics <access>', 'GET /metrics: public (default), admin (needs the admin key) or off; WXMEDIA_METRICS')
    .option('--recent-calls <n>', 'calls each instance keeps for `wxmedia calls` and the dashboard (default 1000)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|silent (WXMEDIA_LOG_LEVEL, default info)')
    .action(async (flags: ServeFlags) => {
      const settings = resolveServeSettings(flags, process.env);
      if (settings.workers > 1 && cluster.isPrimary) {
        await runPrimary(settings);
        return;
      }
      await serveHere(settings);
    });
}

/** Serves in this process: alone (banner, signals), or as one worker of `--workers N` (its primary prints). */
async function serveHere(settings: ServeSettings): Promise<void> {
  // On Node 20 the AWS SDK warns at every start that its versions of 2027 on will need Node 22. The version wxmedia
  // pins runs on Node 20, so the warning says nothing about this program; a user who sets the variable decides.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  let server;
  try {
    server = await createServer(settings.server);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message);
    throw e;
  }
  const { url } = await server.listen({ host: settings.host, port: settings.port }).catch(async (e: NodeJS.ErrnoException) => {
    await server.close();
    throw new CliError(e.code === 'EADDRINUSE' ? `port ${settings.port} is in use: pass --port` : e.message);
  });
  const facts: BannerFacts = {
    url,
    host: settings.host,
    dataDir: server.dataDir,
    ephemeral: settings.server.ephemeral === true,
    adminKey: server.adminKey,
    storage: server.storage,
    devApp: server.devApp ? { appid: server.devApp.appid, secret: server.devApp.secret } : undefined,
    configured: settings.server.apps?.map((a) => a.appid) ?? [],
  };
  if (cluster.isWorker) tellPrimary(facts);
  else printBanner(facts, []);

  if (cluster.isWorker) {
    // The primary decides when workers stop (SIGTERM, then SIGKILL after a grace time). A terminal's Ctrl-C also
    // reaches every worker of its process group: ignored here, the primary turns it into SIGTERM.
    process.on('SIGINT', () => undefined);
    process.once('SIGTERM', () => void server.close().then(() => process.exit(0), () => process.exit(1)));
    process.on('SIGTERM', () => undefined);
    return;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      process.stderr.write(`wxmedia: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`wxmedia: ${signal}, finishing in-flight requests\n`);
    server.close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`wxmedia: shutdown failed: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

import { join } from 'node:path';
import type { Command } from 'commander';
import { ADMIN_PREFIX, DASHBOARD_PATH } from '@wxmedia/protocol';
import { CloudEnvFlagError, ConfigError, SERVER_DEFAULTS, createServer, parseCloudEnvFlag, type CloudEnvConfig } from '@wxmedia/server';
import { CliError, DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, resolveServeSettings, type ServeFlags } from '../serve-config.ts';

const collect = (value: string, previous: string[] = []) => [...previous, value];
const collectCloudEnv = (value: string, previous: CloudEnvConfig[] = []) => {
  try {
    return [...previous, parseCloudEnvFlag(value)];
  } catch (e) {
    if (e instanceof CloudEnvFlagError) throw new CliError(e.message);
    throw e;
  }
};

/** `wxmedia serve`: the WeChat temporary-media API on embedded storage, until SIGINT/SIGTERM. */
export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('start a server that answers like api.weixin.qq.com (tokens, media upload/get, quotas, cloud calls)')
    .option('--host <host>', `address to listen on (WXMEDIA_HOST, default ${DEFAULT_HOST})`)
    .option('--port <port>', `port to listen on, 0 for any (WXMEDIA_PORT, default ${DEFAULT_PORT})`)
    .option('--data <dir>', `data directory: media, state, admin.key (WXMEDIA_DATA, default ${DEFAULT_DATA_DIR})`)
    .option('--app <appid:secret>', 'an app to serve, APPID:SECRET[:official]; repeatable (WXMEDIA_APPS=a:s,b:t)', collect)
    .option('--cloud-env <spec>', 'a cloud env for wx-server-sdk, ENV=APPID[…]; repeatable (docs/cloud-call.md)', collectCloudEnv)
    .option('--config <file>', 'JSON config file (WXMEDIA_CONFIG); flags and env win over it')
    .option('--time-travel', 'let `wxmedia clock` and the dashboard move the clock (reproduce 42001, expiry); WXMEDIA_TIME_TRAVEL=1')
    .option('--ephemeral', 'keep nothing: state in memory, media in a temp dir removed at exit (for CI); WXMEDIA_EPHEMERAL=1')
    .option('--metrics <access>', 'GET /metrics: public (default), admin (needs the admin key) or off; WXMEDIA_METRICS')
    .option('--recent-calls <n>', 'calls each instance keeps for `wxmedia calls` and the dashboard (default 1000)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|silent (WXMEDIA_LOG_LEVEL, default info)')
    .option('--allow-shared-data-dir', 'start even if other users can read the data directory (WXMEDIA_ALLOW_SHARED_DATA_DIR=1; docs/security.md)')
    .option('--max-connections <n>', `open connections at most; more are answered 503 (WXMEDIA_MAX_CONNECTIONS, default ${SERVER_DEFAULTS.maxConnections})`)
    .option('--headers-timeout <seconds>', `request headers must arrive within (WXMEDIA_HEADERS_TIMEOUT, default ${SERVER_DEFAULTS.timeouts.headersSeconds})`)
    .option('--idle-timeout <seconds>', `longest wait for body bytes or any traffic (WXMEDIA_IDLE_TIMEOUT, default ${SERVER_DEFAULTS.timeouts.idleSeconds})`)
    .option('--min-body-rate <bytes>', `slowest average body rate, per second; 0: off (WXMEDIA_MIN_BODY_RATE, default ${SERVER_DEFAULTS.timeouts.minBodyBytesPerSecond})`)
    .option(
      '--credential-failures-per-minute <n>',
      `wrong secrets per app and address before 45011; 0: no limit (WXMEDIA_CREDENTIAL_FAILURES_PER_MINUTE, default ${SERVER_DEFAULTS.credentialFailuresPerMinute})`,
    )
    .action(async (flags: ServeFlags) => {
      const settings = resolveServeSettings(flags, process.env);
      let server;
      try {
        server = await createServer(settings.server);
      } catch (e) {
        if (e instanceof ConfigError) throw new CliError(e.message);
        throw e;
      }
      const { url } = await server.listen({ host: settings.host, port: settings.port }).catch((e: NodeJS.ErrnoException) => {
        throw new CliError(e.code === 'EADDRINUSE' ? `port ${settings.port} is in use: pass --port` : e.message);
      });
      printBanner({
        url,
        host: settings.host,
        dataDir: server.dataDir,
        ephemeral: settings.server.ephemeral === true,
        adminKey: server.adminKey,
        devApp: server.devApp,
        configured: settings.server.apps?.map((a) => a.appid) ?? [],
      });

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
    });
}

interface Banner {
  readonly url: string;
  readonly host: string;
  readonly dataDir: string;
  readonly ephemeral: boolean;
  readonly adminKey: string;
  readonly devApp: { appid: string; secret: string } | undefined;
  readonly configured: readonly string[];
}

function printBanner(b: Banner): void {
  const { url, dataDir, devApp } = b;
  const lines = [`wxmedia listening on ${url}`, `  data:    ${dataDir}${b.ephemeral ? ' (ephemeral: removed at exit)' : ''}`];
  if (devApp) {
    // Printed on every start: the development app exists only on this machine.
    lines.push(`  dev app: appid ${devApp.appid}  secret ${devApp.secret}`);
  }
  for (const appid of b.configured) lines.push(`  app:     ${appid} (secret as configured)`);
  // Ready to paste for the development app; placeholders for configured apps, whose secrets are not printed.
  const appid = devApp?.appid ?? 'APPID';
  const secret = devApp?.secret ?? 'SECRET';
  lines.push(
    `  token:   curl "${url}/cgi-bin/token?grant_type=client_credential&appid=${appid}&secret=${secret}"`,
    `  cloud:   TCB_CONTEXT_CNFG='{"URL":"${url}/admin"}' TENCENTCLOUD_SECRETID=${appid} TENCENTCLOUD_SECRETKEY=${secret} (see docs/cloud-call.md)`,
    `  admin:   ${url}${ADMIN_PREFIX} (Authorization: Bearer $(cat ${join(dataDir, 'admin.key')}))`,
    // The key rides in the URL fragment: browsers never send a fragment, so it reaches no request log. On a
    // non-loopback address the link goes without it (the page then asks for the key).
    `  dashboard: ${url}${DASHBOARD_PATH}${isLoopback(b.host) ? `#key=${encodeURIComponent(b.adminKey)}` : ` (key: ${join(dataDir, 'admin.key')})`}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

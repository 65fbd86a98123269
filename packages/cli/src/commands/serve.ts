import type { Command } from 'commander';
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
    .option('--time-travel', 'allow POST /wxmedia/admin/clock to move time forward (reproduce 42001, expiry)')
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
      printBanner(url, settings.server.dataDir, server.devApp, settings.server.apps?.map((a) => a.appid) ?? []);

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

function printBanner(url: string, dataDir: string, devApp: { appid: string; secret: string } | undefined, configured: readonly string[]): void {
  const lines = [`wxmedia listening on ${url}`, `  data:    ${dataDir}`];
  if (devApp) {
    // Printed on every start (the issue asks for it): the development app exists only on this machine.
    lines.push(`  dev app: appid ${devApp.appid}  secret ${devApp.secret}`);
  }
  for (const appid of configured) lines.push(`  app:     ${appid} (secret as configured)`);
  // Ready to paste for the development app; placeholders for configured apps, whose secrets are not printed.
  const appid = devApp?.appid ?? 'APPID';
  const secret = devApp?.secret ?? 'SECRET';
  lines.push(
    `  token:   curl "${url}/cgi-bin/token?grant_type=client_credential&appid=${appid}&secret=${secret}"`,
    `  cloud:   TCB_CONTEXT_CNFG='{"URL":"${url}/admin"}' TENCENTCLOUD_SECRETID=${appid} TENCENTCLOUD_SECRETKEY=${secret} (see docs/cloud-call.md)`,
    `  admin:   ${url}/wxmedia/admin (Authorization: Bearer $(cat ${dataDir}/admin.key))`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

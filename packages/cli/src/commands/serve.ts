import type { Command } from 'commander';
import { CloudEnvFlagError, ConfigError, createServer, parseCloudEnvFlag, type CloudEnvConfig } from '@wxmedia/server';
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
      printBanner(url, server.dataDir, server.devApp, settings.server.apps?.map((a) => a.appid) ?? []);

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

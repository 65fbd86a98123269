import type { Command } from 'commander';
import type { AppKind } from '@wxmedia/sdk';
import { CliError } from '../serve-config.ts';
import { action, withAdmin, withAdminOptions, type AdminFlags } from './client-options.ts';

interface ListFlags extends AdminFlags {
  json?: boolean;
}

interface AddFlags extends AdminFlags {
  appid?: string;
  secret?: string;
  kind?: string;
  json?: boolean;
}

/** `wxmedia apps list|add|remove`: the apps a wxmedia server knows, through its admin API. */
export function addAppsCommand(program: Command): void {
  const apps = program.command('apps').description("manage a wxmedia server's apps (admin API)");

  withAdminOptions(apps.command('list'))
    .description('list apps: appid, kind, created')
    .option('--json', 'print the list as JSON')
    .action(
      action(
        async (flags: ListFlags) => {
          await withAdmin(flags, async (admin) => {
            const list = await admin.listApps();
            if (flags.json) return void process.stdout.write(`${JSON.stringify(list)}\n`);
            for (const a of list) process.stdout.write(`${a.appid}\t${a.kind}\t${formatTime(a.createdAt)}\n`);
          });
        },
        (flags) => [flags.adminKey],
      ),
    );

  withAdminOptions(apps.command('add'))
    .description('add an app; appid and secret are generated unless given (a generated secret is printed once)')
    .option('--appid <appid>', 'the appid (default: generated)')
    .option('--secret <secret>', 'the secret, at least 8 characters (default: generated)')
    .option('--kind <kind>', 'miniprogram (image only) or official', 'miniprogram')
    .option('--json', 'print {"appid", "secret", "kind"}')
    .action(
      action(
        async (flags: AddFlags) => {
          if (flags.kind !== 'miniprogram' && flags.kind !== 'official') throw new CliError(`--kind must be miniprogram or official, got "${flags.kind}"`);
          const kind: AppKind = flags.kind;
          await withAdmin(flags, async (admin) => {
            const made = await admin.addApp({
              kind,
              ...(flags.appid ? { appid: flags.appid } : {}),
              ...(flags.secret ? { secret: flags.secret } : {}),
            });
            // A secret the user chose is not echoed back; a generated one is shown here and nowhere else.
            const secret = flags.secret ? undefined : made.secret;
            if (flags.json) process.stdout.write(`${JSON.stringify({ appid: made.appid, ...(secret ? { secret } : {}), kind: made.kind })}\n`);
            else process.stdout.write(`appid ${made.appid}\n${secret ? `secret ${secret}\n` : ''}kind ${made.kind}\n`);
          });
        },
        (flags) => [flags.secret, flags.adminKey],
      ),
    );

  withAdminOptions(apps.command('remove'))
    .description('remove an app (its tokens stop working at once)')
    .argument('<appid>', 'the app to remove')
    .action(
      action(
        async (appid: string, flags: AdminFlags) => {
          await withAdmin(flags, async (admin) => {
            await admin.removeApp(appid);
            process.stdout.write(`removed ${appid}\n`);
          });
        },
        (_appid, flags) => [flags.adminKey],
      ),
    );
}

function formatTime(t: string | number): string {
  return typeof t === 'number' ? new Date(t * 1000).toISOString() : t;
}

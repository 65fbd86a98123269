import type { Command } from 'commander';
import { action, printJson, withAdmin, withAdminOptions, type AdminFlags } from './client-options.ts';

interface ResetFlags extends AdminFlags {
  app?: string;
  json?: boolean;
}

/** `wxmedia reset [--app APPID]`: test isolation. */
export function addResetCommand(program: Command): void {
  withAdminOptions(program.command('reset'))
    .description("wipe every app's (or one app's) media, tokens, quotas, faults and recent calls; apps and clock stay")
    .option('--app <appid>', 'only this app')
    .option('--json', 'print what was wiped as JSON')
    .action(
      action(
        async (flags: ResetFlags) =>
          withAdmin(flags, async (admin) => {
            const r = await admin.reset(flags.app);
            if (flags.json) return printJson(r);
            process.stdout.write(`reset ${flags.app ?? `${r.apps} app(s)`}: ${r.media} media deleted, tokens revoked, quotas cleared, ${r.faults} fault(s) removed\n`);
          }),
        (flags) => [flags.adminKey],
      ),
    );
}

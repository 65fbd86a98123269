import type { Command } from 'commander';
import { action, clientFrom, withClientOptions, type ClientFlags } from './client-options.ts';

interface TokenFlags extends ClientFlags {
  json?: boolean;
  forceRefresh?: boolean;
}

/** `wxmedia token`: prints an access_token for scripts (`curl "…?access_token=$(wxmedia token)"`). */
export function addTokenCommand(program: Command): void {
  withClientOptions(program.command('token'))
    .description('print an access_token for the app (stdout only; errors never show it)')
    .option('--json', 'print {"access_token", "expires_in"}')
    .option('--force-refresh', 'stable_token force_refresh: revoke the current token at once (20 a day)')
    .action(
      action(
        async (flags: TokenFlags) => {
          const { client } = await clientFrom(flags);
          try {
            const grant = flags.grant ?? process.env['WXMEDIA_TOKEN_GRANT'] ?? 'stable_token';
            const reply =
              grant === 'token'
                ? await client.https.getAccessToken()
                : await client.https.getStableAccessToken(flags.forceRefresh ? { force_refresh: true } : {});
            process.stdout.write(flags.json ? `${JSON.stringify(reply)}\n` : `${reply.access_token}\n`);
          } finally {
            await client.close();
          }
        },
        (flags) => [flags.secret],
      ),
    );
}

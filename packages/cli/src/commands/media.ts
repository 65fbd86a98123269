import type { Command } from 'commander';
import type { MediaEntry, MediaKind } from '@wxmedia/sdk';
import { CliError } from '../serve-config.ts';
import { action, printJson, withAdmin, withAdminOptions, type AdminFlags } from './client-options.ts';

interface ListFlags extends AdminFlags {
  app?: string;
  kind?: string;
  limit?: string;
  json?: boolean;
}

const KINDS: readonly MediaKind[] = ['image', 'voice', 'video'];

/** `wxmedia media list|rm|expire`: the media a wxmedia server stores (admin API). */
export function addMediaCommand(program: Command): void {
  const media = program.command('media').description("a wxmedia server's stored media: list, rm, expire (admin API)");

  withAdminOptions(media.command('list'))
    .description('stored media, newest first: media_id, app, kind, size, created, expires')
    .option('--app <appid>', "only this app's")
    .option('--kind <kind>', `only ${KINDS.join(', ')}`)
    .option('--limit <n>', 'at most this many (default 50, at most 1000)')
    .option('--json', 'print the list as JSON')
    .action(
      action(
        async (flags: ListFlags) => {
          if (flags.kind !== undefined && !(KINDS as readonly string[]).includes(flags.kind)) throw new CliError(`--kind must be one of ${KINDS.join(', ')}`);
          if (flags.limit !== undefined && !/^\d+$/.test(flags.limit)) throw new CliError(`--limit must be a number, got "${flags.limit}"`);
          await withAdmin(flags, async (admin) => {
            const list = await admin.listMedia({
              ...(flags.app ? { appid: flags.app } : {}),
              ...(flags.kind ? { kind: flags.kind as MediaKind } : {}),
              ...(flags.limit ? { limit: Number(flags.limit) } : {}),
            });
            if (flags.json) return printJson(list);
            for (const m of list) process.stdout.write(`${line(m)}\n`);
          });
        },
        (flags) => [flags.adminKey],
      ),
    );

  withAdminOptions(media.command('rm'))
    .description('delete stored media (get answers 40007 from now on)')
    .argument('<media_id...>', 'one or more media ids')
    .action(
      action(
        async (ids: string[], flags: AdminFlags) =>
          withAdmin(flags, async (admin) => {
            for (const id of ids) {
              await admin.deleteMedia(id);
              process.stdout.write(`deleted ${id}\n`);
            }
          }),
        (_ids, flags) => [flags.adminKey],
      ),
    );

  withAdminOptions(media.command('expire'))
    .description('expire media now, as if its three days had passed (get answers 40007)')
    .argument('<media_id...>', 'one or more media ids')
    .action(
      action(
        async (ids: string[], flags: AdminFlags) =>
          withAdmin(flags, async (admin) => {
            for (const id of ids) {
              await admin.expireMedia(id);
              process.stdout.write(`expired ${id}\n`);
            }
          }),
        (_ids, flags) => [flags.adminKey],
      ),
    );
}

function line(m: MediaEntry): string {
  const iso = (s: number) => new Date(s * 1000).toISOString();
  return [m.mediaId, m.appid, m.kind, `${m.size} B`, iso(m.createdAt), `expires ${iso(m.expiresAt)}`].join('\t');
}

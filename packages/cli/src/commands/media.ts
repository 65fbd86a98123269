import type { Command } from 'commander';
import type { MediaEntry, MediaKind } from '@wxmedia/sdk';
import { CliError } from '../serve-config.ts';
import type { WxMediaAdminClient } from '@wxmedia/sdk';
import { adminAction, printJson, withAdminOptions, type AdminFlags } from './client-options.ts';

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
      adminAction(
        async (admin, flags: ListFlags) => {
          const list = await admin.listMedia({
            ...(flags.app ? { appid: flags.app } : {}),
            ...(flags.kind ? { kind: flags.kind as MediaKind } : {}),
            ...(flags.limit ? { limit: Number(flags.limit) } : {}),
          });
          if (flags.json) return printJson(list);
          for (const m of list) process.stdout.write(`${line(m)}\n`);
        },
        {
          check: (flags) => {
            if (flags.kind !== undefined && !(KINDS as readonly string[]).includes(flags.kind)) throw new CliError(`--kind must be one of ${KINDS.join(', ')}`);
            if (flags.limit !== undefined && !/^\d+$/.test(flags.limit)) throw new CliError(`--limit must be a number, got "${flags.limit}"`);
          },
        },
      ),
    );

  eachMedia(media.command('rm'), 'delete stored media (get answers 40007 from now on)', 'deleted', (admin, id) => admin.deleteMedia(id));
  eachMedia(media.command('expire'), 'expire media now, as if its three days had passed (get answers 40007)', 'expired', (admin, id) => admin.expireMedia(id));
}

/** A command that does one thing to each media id it is given, and says so per id. */
function eachMedia(command: Command, description: string, done: string, act: (admin: WxMediaAdminClient, id: string) => Promise<unknown>): void {
  withAdminOptions(command)
    .description(description)
    .argument('<media_id...>', 'one or more media ids')
    .action(
      adminAction(async (admin, _flags: AdminFlags, ids: string[]) => {
        for (const id of ids) {
          await act(admin, id);
          process.stdout.write(`${done} ${id}\n`);
        }
      }),
    );
}

function line(m: MediaEntry): string {
  const iso = (s: number) => new Date(s * 1000).toISOString();
  return [m.mediaId, m.appid, m.kind, `${m.size} B`, iso(m.createdAt), `expires ${iso(m.expiresAt)}`].join('\t');
}

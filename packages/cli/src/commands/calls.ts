import type { Command } from 'commander';
import { RID_PATTERN } from '@wxmedia/protocol';
import type { CallRecord } from '@wxmedia/sdk';
import { CliError } from '../serve-config.ts';
import { action, printJson, withAdmin, withAdminOptions, type AdminFlags } from './client-options.ts';

interface CallsFlags extends AdminFlags {
  app?: string;
  api?: string;
  failed?: boolean;
  limit?: string;
  follow?: boolean;
  json?: boolean;
}

/**
 * `wxmedia calls [RID]`: the recent WeChat API calls of the server that answers (newest last, like a log), one in
 * detail by its rid, or `--follow` to tail them live.
 */
export function addCallsCommand(program: Command): void {
  withAdminOptions(program.command('calls'))
    .description('recent WeChat API calls (this server instance\'s); give a rid for one in detail; --follow tails them')
    .argument('[rid]', 'the rid from a failed call\'s errmsg, e.g. 6aac005a-355b48ab-4c5b487e')
    .option('--app <appid>', "only this app's calls")
    .option('--api <path>', 'only this API (e.g. /cgi-bin/media/upload)')
    .option('--failed', 'only failed calls')
    .option('--limit <n>', 'how many recent calls (default 20)')
    .option('-f, --follow', 'keep printing calls as they happen (Ctrl-C to stop)')
    .option('--json', 'one JSON object per call')
    .action(
      action(
        async (rid: string | undefined, flags: CallsFlags) => {
          if (rid !== undefined && !RID_PATTERN.test(rid)) throw new CliError(`"${rid}" is not a rid (three groups of 8 hex characters)`);
          if (flags.limit !== undefined && !/^\d+$/.test(flags.limit)) throw new CliError(`--limit must be a number, got "${flags.limit}"`);
          await withAdmin(flags, async (admin) => {
            if (rid !== undefined) {
              const call = await admin.getCall(rid);
              return flags.json ? printJson(call) : void process.stdout.write(detail(call));
            }
            const keep = (c: CallRecord) =>
              (flags.app === undefined || c.appid === flags.app) && (flags.api === undefined || c.api === flags.api) && (!flags.failed || isFailure(c));
            const print = (c: CallRecord) => (flags.json ? printJson(c) : process.stdout.write(`${line(c)}\n`));
            const limit = Number(flags.limit ?? 20);
            if (flags.follow) {
              const controller = new AbortController();
              process.once('SIGINT', () => controller.abort());
              for await (const call of admin.streamCalls({ backlog: limit, signal: controller.signal })) if (keep(call)) print(call);
              return;
            }
            const calls = await admin.listCalls({
              limit,
              ...(flags.app ? { appid: flags.app } : {}),
              ...(flags.api ? { api: flags.api } : {}),
              ...(flags.failed ? { failed: true } : {}),
            });
            for (const call of calls.reverse()) print(call);
          });
        },
        (_rid, flags) => [flags.adminKey],
      ),
    );
}

function isFailure(c: CallRecord): boolean {
  return c.dropped === true || (c.errcode !== undefined && c.errcode !== 0);
}

/** time, app, API, errcode, latency, size, rid, and the fault or reason of a failure. */
function line(c: CallRecord): string {
  const outcome = c.dropped ? 'dropped' : `errcode ${c.errcode ?? '-'}`;
  const extra = [c.fault ? `fault ${c.fault}` : '', isFailure(c) && c.reason ? c.reason : ''].filter(Boolean).join('; ');
  return [new Date(c.at).toISOString(), c.appid ?? '-', `${c.channel === 'cloud' ? 'cloud ' : ''}${c.api}`, outcome, `${c.ms} ms`, c.bytes !== undefined ? `${c.bytes} B` : '-', c.rid, extra]
    .filter((x) => x !== '')
    .join('\t');
}

function detail(c: CallRecord): string {
  const rows: [string, string][] = [
    ['rid', c.rid],
    ['time', new Date(c.at).toISOString()],
    ['call', `${c.method} ${c.api} (${c.channel})`],
    ['app', c.appid ?? '-'],
    ['answer', c.dropped ? 'connection dropped' : `HTTP ${c.status}, errcode ${c.errcode ?? '-'}`],
    ['latency', `${c.ms} ms`],
  ];
  if (c.mediaId) rows.push(['media_id', c.mediaId]);
  if (c.bytes !== undefined) rows.push(['bytes', String(c.bytes)]);
  if (c.fault) rows.push(['fault', c.fault]);
  if (c.reason) rows.push(['reason', c.reason]);
  for (const [k, v] of Object.entries(c.query)) rows.push([`query ${k}`, v]);
  for (const [k, v] of Object.entries(c.headers)) rows.push([`header ${k}`, v]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}\n`).join('');
}

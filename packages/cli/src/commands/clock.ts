import type { Command } from 'commander';
import type { ClockState } from '@wxmedia/sdk';
import { CliError } from '../serve-config.ts';
import { action, printJson, withAdmin, withAdminOptions, type AdminFlags } from './client-options.ts';

interface ClockFlags extends AdminFlags {
  json?: boolean;
}

/** `wxmedia clock [advance SECONDS | set TIME | reset]`: read or move the server's clock (`serve --time-travel`). */
export function addClockCommand(program: Command): void {
  const clock = program.command('clock').description("read the server's clock (show); move it with advance, set, reset (the server needs --time-travel)");

  withAdminOptions(clock.command('show', { isDefault: true }))
    .description("the server's time and how far it is from real time")
    .option('--json', 'print the clock as JSON')
    .action(action(async (flags: ClockFlags) => withAdmin(flags, async (admin) => show(await admin.clock(), flags)), (flags) => [flags.adminKey]));

  withAdminOptions(clock.command('advance'))
    .description('move the clock forward, e.g. 7200 (a token expires), 259200 (media expire), or 2h, 3d')
    .argument('<duration>', 'seconds, or a number with s, m, h or d')
    .option('--json', 'print the clock as JSON')
    .action(
      action(
        async (duration: string, flags: ClockFlags) => {
          const seconds = parseDuration(duration);
          await withAdmin(flags, async (admin) => show(await admin.advanceClock(seconds), flags));
        },
        (_d, flags) => [flags.adminKey],
      ),
    );

  withAdminOptions(clock.command('set'))
    .description('set the clock to a time, e.g. 2030-01-01T00:00:00Z or Unix seconds; it runs on from there')
    .argument('<time>', 'ISO 8601 date-time with a zone, or Unix seconds')
    .option('--json', 'print the clock as JSON')
    .action(
      action(
        async (time: string, flags: ClockFlags) => {
          const value = /^\d+$/.test(time) ? Number(time) : time;
          await withAdmin(flags, async (admin) => show(await admin.setClock(value), flags));
        },
        (_t, flags) => [flags.adminKey],
      ),
    );

  withAdminOptions(clock.command('reset'))
    .description('back to real time')
    .option('--json', 'print the clock as JSON')
    .action(action(async (flags: ClockFlags) => withAdmin(flags, async (admin) => show(await admin.resetClock(), flags)), (flags) => [flags.adminKey]));
}

function show(clock: ClockState, flags: ClockFlags): void {
  if (flags.json) return printJson(clock);
  const offset = clock.offsetSeconds === 0 ? 'real time' : `${clock.offsetSeconds > 0 ? '+' : ''}${clock.offsetSeconds} s from real time`;
  process.stdout.write(`${clock.iso}  (${offset}${clock.timeTravel ? '' : '; time travel off'})\n`);
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `7200`, `90s`, `5m`, `2h`, `3d` → seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(text.trim());
  if (!m) throw new CliError(`duration "${text}" must be seconds or a number with s, m, h or d (e.g. 7200, 2h, 3d)`);
  return Number(m[1]) * (UNIT_SECONDS[m[2] || 's'] ?? 1);
}

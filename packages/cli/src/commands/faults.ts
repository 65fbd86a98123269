import type { Command } from 'commander';
import { FAULT_APIS, type FaultApi } from '@wxmedia/protocol';
import type { Fault, FaultSpec } from '@wxmedia/sdk';
import { CliError } from '../serve-config.ts';
import { action, printJson, withAdmin, withAdminOptions, type AdminFlags } from './client-options.ts';

interface ListFlags extends AdminFlags {
  json?: boolean;
}

interface AddFlags extends AdminFlags {
  app?: string;
  api?: string;
  errcode?: string;
  errmsg?: string;
  count?: string;
  probability?: string;
  latency?: string;
  drop?: boolean;
  json?: boolean;
}

/** `wxmedia faults [list|add|rm|clear]`: make the server answer errors, slowly, or not at all. */
export function addFaultsCommand(program: Command): void {
  const faults = program.command('faults').description('injected faults: list (default), add, rm, clear');

  withAdminOptions(faults.command('list', { isDefault: true }))
    .description('the faults in force')
    .option('--json', 'print the list as JSON')
    .action(action(async (flags: ListFlags) => list(flags), (flags) => [flags.adminKey]));

  withAdminOptions(faults.command('add'))
    .description('add a fault, e.g. --api /cgi-bin/media/upload --errcode 45009 --count 1')
    .option('--app <appid>', 'only this app (default: every app)')
    .option('--api <path>', `only this API: ${FAULT_APIS.join(', ')} (cloud calls count as their path)`)
    .option('--errcode <n>', 'answer this errcode, in WeChat\'s envelope')
    .option('--errmsg <text>', "the errmsg text (default: WeChat's own for the errcode)")
    .option('--count <n>', 'fire on this many calls, then vanish')
    .option('--probability <p>', 'fire on each call with this probability, 0 < p ≤ 1')
    .option('--latency <ms>', 'delay the answer by this many milliseconds')
    .option('--drop', 'close the connection without an answer')
    .option('--json', 'print the fault as JSON')
    .action(
      action(
        async (flags: AddFlags) => {
          const spec = specOf(flags);
          await withAdmin(flags, async (admin) => {
            const fault = await admin.addFault(spec);
            if (flags.json) printJson(fault);
            else process.stdout.write(`added fault ${fault.id}: ${describeFault(fault)}\n`);
          });
        },
        (flags) => [flags.adminKey],
      ),
    );

  withAdminOptions(faults.command('rm'))
    .description('remove a fault')
    .argument('<id>', 'the fault id (`wxmedia faults` lists them)')
    .action(
      action(
        async (id: string, flags: AdminFlags) =>
          withAdmin(flags, async (admin) => {
            await admin.removeFault(id);
            process.stdout.write(`removed fault ${id}\n`);
          }),
        (_id, flags) => [flags.adminKey],
      ),
    );

  withAdminOptions(faults.command('clear'))
    .description('remove every fault (or one app\'s)')
    .option('--app <appid>', "only this app's faults")
    .action(
      action(
        async (flags: AdminFlags & { app?: string }) =>
          withAdmin(flags, async (admin) => {
            process.stdout.write(`removed ${await admin.clearFaults(flags.app)} fault(s)\n`);
          }),
        (flags) => [flags.adminKey],
      ),
    );
}

async function list(flags: ListFlags): Promise<void> {
  await withAdmin(flags, async (admin) => {
    const faults = await admin.listFaults();
    if (flags.json) return printJson(faults);
    if (faults.length === 0) return void process.stdout.write('no faults\n');
    for (const f of faults) process.stdout.write(`${f.id}\t${describeFault(f)}\n`);
  });
}

/** One line: what, where, how often. */
export function describeFault(f: Fault): string {
  const effect = [
    f.errcode !== undefined ? `errcode ${f.errcode}${f.errmsg ? ` "${f.errmsg}"` : ''}` : undefined,
    f.latencyMs ? `+${f.latencyMs} ms` : undefined,
    f.drop ? 'drop connection' : undefined,
  ].filter(Boolean);
  const scope = `${f.api ?? 'every API'} of ${f.appid ?? 'every app'}`;
  const often = [
    f.count !== undefined ? `${f.fired ?? 0}/${f.count} fired` : undefined,
    f.probability !== undefined ? `p=${f.probability}` : undefined,
  ].filter(Boolean);
  return `${effect.join(', ')} on ${scope}${often.length ? ` (${often.join(', ')})` : ''}`;
}

function specOf(flags: AddFlags): FaultSpec {
  if (flags.api !== undefined && !(FAULT_APIS as readonly string[]).includes(flags.api)) throw new CliError(`--api must be one of ${FAULT_APIS.join(', ')}`);
  const int = (value: string | undefined, flag: string) => {
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value)) throw new CliError(`${flag} must be an integer, got "${value}"`);
    return Number(value);
  };
  const probability = flags.probability === undefined ? undefined : Number(flags.probability);
  if (probability !== undefined && !(probability > 0 && probability <= 1)) throw new CliError(`--probability must be in (0, 1], got "${flags.probability}"`);
  const spec: Record<string, unknown> = {
    appid: flags.app,
    api: flags.api as FaultApi | undefined,
    errcode: int(flags.errcode, '--errcode'),
    errmsg: flags.errmsg,
    count: int(flags.count, '--count'),
    probability,
    latencyMs: int(flags.latency, '--latency'),
    drop: flags.drop ? true : undefined,
  };
  for (const k of Object.keys(spec)) if (spec[k] === undefined) delete spec[k];
  if (spec['errcode'] === undefined && spec['latencyMs'] === undefined && spec['drop'] === undefined) {
    throw new CliError('a fault needs an effect: --errcode, --latency or --drop');
  }
  return spec as FaultSpec;
}

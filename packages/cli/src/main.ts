import { Command } from 'commander';
import { COMMANDS } from './commands/index.ts';
import { CliError } from './serve-config.ts';

const program = new Command('wxmedia')
  .description("WeChat's temporary-media API, locally: serve it, and call it (or the real WeChat) from the shell.")
  .showHelpAfterError()
  .configureOutput({ outputError: (str, write) => write(str) });

for (const add of COMMANDS) add(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Bad input is a CliError: one line saying what to change. Anything else is a bug: its message, no stack trace
  // (set WXMEDIA_DEBUG=1 for one).
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`wxmedia: ${msg}\n`);
  if (!(e instanceof CliError) && process.env['WXMEDIA_DEBUG'] === '1') process.stderr.write(`${(e as Error).stack}\n`);
  process.exitCode = e instanceof CliError ? 2 : 1;
}

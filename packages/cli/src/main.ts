import { Command } from 'commander';
import { COMMANDS } from './commands/index.ts';

const program = new Command('wxmedia')
  .description("WeChat's temporary-media API, locally: serve it, and call it (or the real WeChat) from the shell.")
  .showHelpAfterError()
  .configureOutput({ outputError: (str, write) => write(str) });

for (const add of COMMANDS) add(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Commands throw CliError for bad input; anything else is a bug worth its message but not a stack trace.
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`wxmedia: ${msg}\n`);
  process.exitCode = process.exitCode || 1;
}

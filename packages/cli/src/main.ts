import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands/index.ts';
import { CliError } from './serve-config.ts';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('wxmedia')
  .description("WeChat's temporary-media API, locally: serve it, and call it (or the real WeChat) from the shell.")
  .version(version, '-V, --version', 'print the version')
  .showHelpAfterError()
  .configureOutput({ outputError: (str, write) => write(str) })
  // Usage errors (unknown flag or command, missing argument) exit 2, as the CLI's other usage errors do; commander
  // would exit 1. Set before the commands are added, which inherit it.
  .exitOverride();

for (const add of COMMANDS) add(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // Commander has printed the message (or the help or version, which exit 0).
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else {
    // Bad input is a CliError: one line saying what to change. Anything else is a bug: its message, no stack trace
    // (set WXMEDIA_DEBUG=1 for one).
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`wxmedia: ${msg}\n`);
    if (!(e instanceof CliError) && process.env['WXMEDIA_DEBUG'] === '1') process.stderr.write(`${(e as Error).stack}\n`);
    process.exitCode = e instanceof CliError ? 2 : 1;
  }
}

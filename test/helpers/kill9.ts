import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { REPO_ROOT } from './files.ts';

/**
 * Runs `source` (an ES module, TypeScript allowed) in a child node process, waits until it prints `marker`, then
 * kills it with SIGKILL — as a crash would, mid-write — and resolves once it is gone. Only this child is signalled,
 * by its own handle. Throws if the child exits before printing the marker.
 */
export async function killNineWhen(marker: string, source: string, env: Readonly<Record<string, string>> = {}): Promise<void> {
  await killNineOnceOutput((out) => out.includes(marker), `printing ${JSON.stringify(marker)}`, source, env);
}

/**
 * Like killNineWhen, but the moment is when what the child printed so far satisfies `enough`; resolves to that
 * output (everything the child printed before it was killed, as far as it was read).
 */
export async function killNineOnceOutput(
  enough: (output: string) => boolean,
  what: string,
  source: string,
  env: Readonly<Record<string, string>> = {},
): Promise<string> {
  // The sources, as the test runner runs them (scripts/test.sh).
  const child = spawn(process.execPath, ['--conditions=@wxmedia/source', '--import', 'tsx', '--input-type=module', '-e', source], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  let out = '';
  for await (const chunk of child.stdout) {
    out += String(chunk);
    if (enough(out)) break;
  }
  if (!enough(out)) throw new Error(`the child exited before ${what}: ${out}`);
  child.kill('SIGKILL');
  await exited;
  return out;
}

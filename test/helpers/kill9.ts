import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { REPO_ROOT } from './files.ts';

/**
 * Runs `source` (an ES module, TypeScript allowed) in a child node process, waits until it prints `marker`, then
 * kills it with SIGKILL — as a crash would, mid-write — and resolves once it is gone. Only this child is signalled,
 * by its own handle. Throws if the child exits before printing the marker.
 */
export async function killNineWhen(marker: string, source: string, env: Readonly<Record<string, string>> = {}): Promise<void> {
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
    if (out.includes(marker)) break;
  }
  if (!out.includes(marker)) throw new Error(`the child exited before printing ${JSON.stringify(marker)}: ${out}`);
  child.kill('SIGKILL');
  await exited;
}

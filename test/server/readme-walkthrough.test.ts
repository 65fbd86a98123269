/**
 * README's "A walk-through with curl", run as a reader runs it: every command of the block, verbatim, in bash,
 * against a real server; every output the block shows (the `# …` lines right under a command) compared with what
 * the command printed. Only the values a reader fills in change: the address (`B=`), the app from the banner
 * (`APPID=… SECRET=…`) and the `ACCESS_TOKEN=…` / `MEDIA_ID=…` lines, which take the value the previous command
 * printed (after checking it starts as the README shows). In a shown output, `…` stands for anything, and rids and
 * Unix times for any rid and time.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { APP, REPO_ROOT, startServer, tempDir, type InProcessServer } from '../helpers/server.ts';

interface Step {
  /** The command line, as README writes it. */
  readonly command: string;
  /** The output README shows under it (without the `# `), if any. */
  readonly shown: readonly string[];
}

/** The steps of the ```sh block under the walk-through's heading. */
async function walkthrough(): Promise<Step[]> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## A walk-through with curl'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, "README's walk-through has a sh block");
  const steps: { command: string; shown: string[] }[] = [];
  let last: { command: string; shown: string[] } | undefined;
  for (const line of block.split('\n')) {
    if (line.trim() === '') {
      last = undefined;
    } else if (line.startsWith('#')) {
      // A comment right under a command is its output; one after a blank line explains the next command.
      last?.shown.push(line.replace(/^# ?/, ''));
    } else {
      last = { command: line, shown: [] };
      steps.push(last);
    }
  }
  return steps;
}

const RID = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;

/**
 * A shown line as a pattern: an id cut short (`AWsCV4sC…`) is any id with its first two characters (the format's
 * version; the rest encodes the time); `…` alone is anything; a rid any rid; a Unix time (10 digits) any number.
 */
function pattern(shown: string): RegExp {
  const parts = shown.split(/([A-Za-z0-9_-]+…|…|\b[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}\b|\b\d{10}\b)/);
  const source = parts
    .map((part, i) => {
      if (i % 2 === 0) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      if (part === '…') return '.*';
      if (part.endsWith('…')) return `${part.slice(0, 2)}[A-Za-z0-9_-]+`;
      return RID.test(part) ? '[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}' : '\\d+';
    })
    .join('');
  return new RegExp(`^${source}$`);
}

/** Checks `actual` against the shown lines: line by line, in order; a last shown line `…` allows more lines. */
function assertShown(step: Step, actual: string): void {
  const lines = actual.replace(/\r/g, '').split('\n').filter((l) => l !== '');
  const open = step.shown.at(-1) === '…';
  const shown = open ? step.shown.slice(0, -1) : step.shown;
  if (!open) assert.equal(lines.length, shown.length, `${step.command}\nprinted:\n${actual}`);
  shown.forEach((line, i) => assert.match(lines[i] ?? '', pattern(line), `${step.command}\nline ${i + 1} printed:\n${actual}`));
}

function bash(command: string, cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', command], { cwd, env: { ...process.env, ...env } }, (err, stdout) => {
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout });
    });
  });
}

describe("README's curl walk-through, verbatim", () => {
  let s: InProcessServer;
  let work: { path: string; cleanup(): Promise<void> };
  before(async () => {
    s = await startServer();
    work = await tempDir('wxmedia-readme-');
  });
  after(async () => {
    await s?.stop();
    await work?.cleanup();
  });

  it('every command runs and prints what README shows', async () => {
    const steps = await walkthrough();
    assert.ok(steps.length >= 8, `the walk-through has its commands: ${steps.map((st) => st.command).join(' / ')}`);
    const vars: Record<string, string> = {};
    let previous = '';
    for (const step of steps) {
      const assignment = /^([A-Z_]+)=(\S+)(?:\s+([A-Z_]+)=(\S+))?/.exec(step.command);
      if (assignment && !step.command.includes('curl')) {
        const name = assignment[1]!;
        if (name === 'B') {
          assert.equal(assignment[2], 'http://127.0.0.1:8720', 'the address wxmedia serve binds by default');
          vars['B'] = s.url;
        } else if (name === 'APPID') {
          assert.equal(assignment[3], 'SECRET', step.command);
          Object.assign(vars, { APPID: APP.appid, SECRET: APP.secret });
        } else {
          // ACCESS_TOKEN=AQEAAAAB… / MEDIA_ID=AWsCV4sC…: the value the previous command printed.
          const key = name === 'ACCESS_TOKEN' ? 'access_token' : 'media_id';
          const value = String((JSON.parse(previous) as Record<string, unknown>)[key]);
          const readmePrefix = assignment[2]!.slice(0, 2);
          assert.ok(value.startsWith(readmePrefix), `${name} starts as README shows (${readmePrefix}…): ${value}`);
          vars[name] = value;
        }
        continue;
      }
      const run = await bash(step.command, work.path, vars);
      assert.equal(run.code, 0, `${step.command} exits 0`);
      if (step.shown.length > 0) assertShown(step, run.stdout);
      previous = run.stdout;
    }
    assert.deepEqual(Object.keys(vars).sort(), ['ACCESS_TOKEN', 'APPID', 'B', 'MEDIA_ID', 'SECRET']);
  });
});

/**
 * Start-up cost of the `wxmedia` command, side by side in one run:
 *   - `wxmedia --help` (wall time to exit), beside `node -e ''`, the floor of any Node program;
 *   - `wxmedia serve --port 0` to the first 200 from /healthz, beside a bare Fastify server (bench/peers/bare-fastify.mjs);
 *   - idle RSS of each server 1 s after it answered /healthz.
 * With `--before-ref REF`, the same for the wxmedia of commit REF (checked out with `git archive` into a temp dir and
 * installed with `npm ci`), e.g. the commit before the build to JavaScript, whose CLI compiled TypeScript at start.
 *
 *   node --import tsx bench/startup.ts [--runs 15] [--before-ref abee6de]
 *
 * Every child is started here and stopped by its PID; temp dirs are removed at the end.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../test/helpers/server.ts';
import { MB, percentile, procMemory, table } from './common.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' }, 'before-ref': { type: 'string' } } });
const RUNS = Number(values.runs);
const temps: string[] = [];

interface Subject {
  readonly name: string;
  /** argv (without node) of a command that exits, e.g. --help; undefined when not applicable. */
  readonly oneShot?: readonly string[];
  /** argv (without node) of a server that prints `listening on <url>`, given a fresh data dir. */
  readonly server?: (dataDir: string) => readonly string[];
}

async function temp(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** Wall time of a command that exits, in ms. */
function timeOneShot(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { stdio: 'ignore', cwd: REPO_ROOT });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - started) / 1e6) : reject(new Error(`${args.join(' ')} exited ${code}`))));
  });
}

/** Spawn → first 200 from /healthz (polled every 2 ms once the URL is printed), then idle RSS 1 s later. */
async function timeServer(args: readonly string[]): Promise<{ readyMs: number; idleRss: number }> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: REPO_ROOT });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      void exited.then(() => reject(new Error(`${args.join(' ')} exited before listening:\n${out}`)));
    });
    child.stdout.resume();
    for (;;) {
      const r = await fetch(`${url}/healthz`).catch(() => undefined);
      await r?.arrayBuffer();
      if (r?.status === 200) break;
      await new Promise((res) => setTimeout(res, 2));
    }
    const readyMs = Number(process.hrtime.bigint() - started) / 1e6;
    await new Promise((res) => setTimeout(res, 1000));
    const idleRss = (await procMemory(child.pid!)).rss;
    return { readyMs, idleRss };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

/** The wxmedia of commit `ref`, installed in a temp dir: its bin. */
async function checkout(ref: string): Promise<string> {
  const dir = await temp('wxmedia-before-');
  process.stderr.write(`checking out ${ref} into ${dir} and installing it (npm ci)…\n`);
  execFileSync('sh', ['-c', `git -C "${REPO_ROOT}" archive "${ref}" | tar -x -C "${dir}"`]);
  execFileSync('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return join(dir, 'packages', 'cli', 'bin', 'wxmedia.js');
}

const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
const p90 = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 90);

async function main(): Promise<void> {
  const after = join(REPO_ROOT, 'packages', 'cli', 'bin', 'wxmedia.js');
  const subjects: Subject[] = [{ name: "node -e ''", oneShot: ['-e', ''] }];
  if (values['before-ref']) {
    const before = await checkout(values['before-ref']);
    subjects.push({
      name: `wxmedia before (${values['before-ref']})`,
      oneShot: [before, '--help'],
      server: (d) => [before, 'serve', '--port', '0', '--data', d, '--log-level', 'warn'],
    });
  }
  subjects.push(
    { name: 'wxmedia', oneShot: [after, '--help'], server: (d) => [after, 'serve', '--port', '0', '--data', d, '--log-level', 'warn'] },
    { name: 'bare Fastify', server: () => [join(REPO_ROOT, 'bench', 'peers', 'bare-fastify.mjs')] },
  );

  const help = new Map<string, number[]>();
  const ready = new Map<string, number[]>();
  const rss = new Map<string, number[]>();
  // Round-robin: each round runs every subject once, so a noisy moment hits them all alike.
  for (let i = 0; i < RUNS; i++) {
    for (const s of subjects) {
      if (s.oneShot) help.set(s.name, [...(help.get(s.name) ?? []), await timeOneShot(s.oneShot)]);
      if (s.server) {
        const r = await timeServer(s.server(await temp('wxmedia-startup-')));
        ready.set(s.name, [...(ready.get(s.name) ?? []), r.readyMs]);
        rss.set(s.name, [...(rss.get(s.name) ?? []), r.idleRss]);
      }
    }
    process.stderr.write(`round ${i + 1}/${RUNS}\n`);
  }

  const floor = median(help.get("node -e ''")!);
  const fastifyReady = median(ready.get('bare Fastify')!);
  const fastifyRss = median(rss.get('bare Fastify')!);
  const rows = subjects.map((s) => {
    const h = help.get(s.name);
    const r = ready.get(s.name);
    const m = rss.get(s.name);
    return {
      subject: s.name,
      '--help / exit, median': h ? `${median(h).toFixed(0)} ms` : '—',
      p90: h ? `${p90(h).toFixed(0)} ms` : '—',
      '÷ node -e': h ? `${(median(h) / floor).toFixed(1)}×` : '—',
      'spawn → /healthz 200, median': r ? `${median(r).toFixed(0)} ms` : '—',
      'p90 ': r ? `${p90(r).toFixed(0)} ms` : '—',
      '÷ Fastify': r ? `${(median(r) / fastifyReady).toFixed(1)}×` : '—',
      'idle RSS, median': m ? `${(median(m) / MB).toFixed(1)} MB` : '—',
      '÷ Fastify ': m ? `${(median(m) / fastifyRss).toFixed(2)}×` : '—',
    };
  });
  process.stdout.write(`${table(rows)}\n`);
  process.stdout.write(`${RUNS} runs each, round-robin; Node ${process.version}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
}

try {
  await main();
} finally {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
}

/**
 * Where wxmedia's time goes, per hot path: for each of upload and get of a 100 KiB and a 2 MiB JPEG, a fresh
 * `wxmedia serve --log-level warn` (embedded stores) runs with `node --cpu-prof` under the same wrk load as
 * bench/upload-get.ts (c=32, server pinned to `--server-cpus`, wrk on `--client-cpus`), and the profile's samples
 * taken during the load (start-up and the gets' prefill left out) are summed: self time by group of code (ours,
 * Fastify, pino, LMDB, other dependencies, node's fs, streams/http/net, other node internals, native bindings, GC)
 * and the top `--top` functions by self time. Profiling slows the server (sampling every `--interval` µs): the
 * shares are what to read, not the rates.
 *
 *   node --import tsx bench/profile.ts [--seconds 10] [--warmup 2] [--paths upload-100KiB,get-100KiB,upload-2MiB,get-2MiB]
 *        [--top 15] [--interval 1000] [--keep DIR] [--target wxmedia|bare-node]
 *
 * --keep copies the .cpuprofile files there (for DevTools); --target bare-node profiles the ceiling peer the same
 * way, for the same summary side by side (its main-thread µs per request against wxmedia's).
 */
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { jpeg } from '../test/helpers/images.ts';
import { spawn } from 'node:child_process';
import { APP, CLI_BIN, REPO_ROOT, fetchToken, tempDir, waitHealthy } from '../test/helpers/server.ts';
import { KB, MB, multipartFrame, table } from './common.ts';
import { summarize } from './lib/cpu-profile.ts';
import { pinTree } from './lib/services.ts';
import { requireTools, runWrk } from './lib/wrk.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    paths: { type: 'string', default: 'upload-100KiB,get-100KiB,upload-2MiB,get-2MiB' },
    top: { type: 'string', default: '15' },
    interval: { type: 'string', default: '1000' },
    'server-cpus': { type: 'string', default: '0' },
    'client-cpus': { type: 'string', default: '1' },
    keep: { type: 'string' },
    target: { type: 'string', default: 'wxmedia' },
  },
});
const TARGET = values.target as 'wxmedia' | 'bare-node';
if (TARGET !== 'wxmedia' && TARGET !== 'bare-node') throw new Error('--target is wxmedia or bare-node');
const SIZES: Record<string, number> = { '100KiB': 100 * KB, '2MiB': 2 * MB };
const paths = values.paths.split(',').map((p) => {
  const [phase, size] = p.split('-') as [string, string];
  if ((phase !== 'upload' && phase !== 'get') || !SIZES[size]) throw new Error(`unknown hot path ${p} (upload|get)-(100KiB|2MiB)`);
  return { name: p, phase, bytes: SIZES[size]! };
});

requireTools();
await pinTree(process.pid, values['server-cpus']);
const scratch = await tempDir('wxmedia-profile-');
/**
 * `node <nodeFlags> wxmedia serve`, or the bare-node peer (test/helpers/server.ts's startCli cannot take node flags,
 * and --cpu-prof is not allowed in NODE_OPTIONS); resolves once it answers. stop() makes it exit normally, so that
 * node writes the profile on the way out: SIGTERM for wxmedia (it closes and exits), closing its stdin for the peer.
 */
async function startProfiled(
  target: 'wxmedia' | 'bare-node',
  dataDir: string,
  nodeFlags: readonly string[],
): Promise<{ url: string; stop(): Promise<void> }> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 }); // wxmedia refuses a data dir others can read
  const args =
    target === 'wxmedia'
      ? [CLI_BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--data', dataDir, '--log-level', 'warn', '--app', `${APP.appid}:${APP.secret}`]
      : ['--import', 'tsx', join(REPO_ROOT, 'bench', 'peers', 'bare-node.ts'), '--dir', dataDir];
  const child = spawn(process.execPath, [...nodeFlags, ...args], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  let output = '';
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (target === 'wxmedia') child.kill('SIGTERM');
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        output += c.toString();
        const m = / listening on (http:\/\/\S+)/.exec(output);
        if (m) resolve(m[1]!);
      });
      void exited.then(() => reject(new Error(`${target} exited before listening:\n${output}`)));
    });
    child.stdout.resume();
    if (target === 'wxmedia') await waitHealthy(url);
    return { url, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

const pct = (us: number, of: number) => `${((100 * us) / of).toFixed(1)} %`;
try {
  for (const path of paths) {
    const profDir = join(scratch.path, `prof-${path.name}`);
    const image = jpeg({ size: path.bytes });
    const frame = multipartFrame('bench.jpg', 'image/jpeg');
    const body = Buffer.concat([frame.head, image, frame.tail]);
    const bodyFile = join(scratch.path, `body-${path.name}`);
    await writeFile(bodyFile, body);
    const cli = await startProfiled(TARGET, join(scratch.path, `data-${path.name}`), [`--cpu-prof`, `--cpu-prof-dir=${profDir}`, `--cpu-prof-interval=${values.interval}`]);
    let window: [number, number];
    let rps = 0;
    let requests = 0;
    try {
      // The peer ignores the token; it is sent one all the same, so both get the same request bytes.
      const token = TARGET === 'wxmedia' ? await fetchToken(cli.url, APP) : 'x'.repeat(64);
      const q = `access_token=${encodeURIComponent(token)}`;
      const upload = { method: 'POST' as const, paths: [`/cgi-bin/media/upload?${q}&type=image`], headers: { 'content-type': frame.contentType }, bodyFile, okBody: '"media_id"' };
      const gets: string[] = [];
      if (path.phase === 'get') {
        for (let i = 0; i < 64; i++) {
          const res = await fetch(new URL(upload.paths[0]!, cli.url), { method: 'POST', headers: upload.headers, body });
          const reply = (await res.json()) as { media_id?: string };
          if (!reply.media_id) throw new Error(`upload failed: ${JSON.stringify(reply)}`);
          gets.push(`/cgi-bin/media/get?${q}&media_id=${reply.media_id}`);
        }
      }
      const request = path.phase === 'upload' ? upload : { method: 'GET' as const, paths: gets };
      const wrkOptions = { concurrency: 32, cpus: values['client-cpus'], scratch: scratch.path };
      // Unmeasured first (as bench/upload-get.ts does): V8 compiles the hot code in a server's first seconds.
      if (Number(values.warmup) > 0) await runWrk(cli.url, request, { ...wrkOptions, seconds: Number(values.warmup) });
      const from = Number(process.hrtime.bigint() / 1000n);
      const load = await runWrk(cli.url, request, { ...wrkOptions, seconds: Number(values.seconds) });
      window = [from, Number(process.hrtime.bigint() / 1000n)];
      rps = load.rps;
      requests = load.requests;
      if (load.errors) console.error(`${path.name}: ${load.errors} errors, first: ${load.firstError}`);
    } finally {
      await cli.stop(); // SIGTERM: the server closes and exits, and node writes the profile
    }
    const [file] = (await readdir(profDir)).filter((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`${path.name}: no .cpuprofile written in ${profDir}`);
    if (values.keep) await copyFile(join(profDir, file), join(values.keep, `${TARGET}-${path.name}.cpuprofile`));
    const s = await summarize(join(profDir, file), window[0], window[1]);
    const total = s.busyUs + s.idleUs;
    console.log(
      `\n## ${TARGET} ${path.name}: ${rps.toFixed(1)} req/s under the profiler, ${values.seconds} s; main thread busy ${pct(s.busyUs, total)} of the ` +
        `sampled time, ${(s.busyUs / requests).toFixed(0)} µs of it per request ` +
        `(load average ${loadavg()[0]!.toFixed(2)})\n`,
    );
    console.log(table(s.groups.map((g) => ({ group: g.group, 'self time': `${(g.us / 1000).toFixed(0)} ms`, 'of busy': pct(g.us, s.busyUs) }))));
    console.log('');
    console.log(
      table(
        s.functions.slice(0, Number(values.top)).map((f) => ({
          function: f.name,
          where: f.where,
          group: f.group,
          'of busy': pct(f.us, s.busyUs),
        })),
      ),
    );
  }
} finally {
  await scratch.cleanup();
}

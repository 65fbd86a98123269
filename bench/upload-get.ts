/**
 * Upload and get throughput of wxmedia against its peers, side by side in one run, with wrk as the load generator:
 * 100 KiB and 2 MiB JPEGs, `--concurrency` (32) connections, `--seconds` (8) per phase, the targets taking turns
 * phase by phase so that drift on this shared machine hits all of them alike. The servers (and the stores they need)
 * are pinned to `--server-cpus` (core 0), wrk to `--client-cpus` (core 1). Uploads: wxmedia and the WeChat-shaped
 * peers get one prebuilt multipart body with a real access_token (wrk checks every reply carries a media_id); the
 * storage emulators and nginx get the image as a PUT to their own API (S3 PutObject, Azure Put Blob, WebDAV PUT).
 * Gets: of `--prefill` (64) objects each target stored beforehand. Before each measured phase the same load runs
 * `--warmup` (2) seconds unmeasured (after a `sync`: see flushDisks), so that no server is measured while V8 still
 * compiles its hot code (a server that just started spent a quarter of its CPU in its first seconds on V8's compiler
 * threads). Reports req/s, p50/p90/p99 latency and RSS growth (sampled VmRSS peak over idle) with the load average
 * before each phase, then the ratios: wxmedia ÷ each peer, wxmedia-s3-redis ÷ wxmedia and ÷ its own ceiling bare-s3,
 * wxmedia-2-workers ÷ wxmedia-unpinned.
 *
 *   node --import tsx bench/upload-get.ts [--seconds 8] [--concurrency 32] [--targets a,b,…] [--cores]
 *        [--server-cpus 0] [--client-cpus 1] [--prefill 64] [--warmup 2] [--threads] [--json results.json]
 *
 * `--cores` runs the cores comparison instead (wxmedia-unpinned and wxmedia-2-workers, both allowed every CPU; wrk
 * still on --client-cpus). See bench/README.md.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { jpeg } from '../test/helpers/images.ts';
import { tempDir } from '../test/helpers/server.ts';
import { KB, MB, cpuSeconds, fmtMB, fmtMs, mainThreadCpuSeconds, multipartFrame, procMemory, table, threadCounters, threadsPerRequest } from './common.ts';
import { ratio } from './lib/ratio.ts';
import { ensureEmulators, flushDisks, nginxMissing, pinTree } from './lib/services.ts';
import { CORES_TARGETS, PEERS, needsEmulators, parseTargets, startTargets, stopAll, type Target, type TargetName } from './lib/targets.ts';
import { requireTools, runWrk, type WrkRequest, type WrkResult } from './lib/wrk.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '32' },
    targets: { type: 'string' },
    cores: { type: 'boolean', default: false },
    'server-cpus': { type: 'string', default: '0' },
    'client-cpus': { type: 'string', default: '1' },
    prefill: { type: 'string', default: '64' },
    warmup: { type: 'string', default: '2' },
    threads: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const SECONDS = Number(values.seconds);
const WARMUP_SECONDS = Number(values.warmup);
/** Print, after each phase, each thread's CPU and minor page faults per request (`threadsPerRequest`). */
const THREADS = values.threads;
const CONCURRENCY = Number(values.concurrency);
const PREFILL = Number(values.prefill);
/** Object-API uploads cycle over this many keys (later PUTs replace earlier objects), to bound the disk they fill. */
const UPLOAD_KEYS = 4096;

const SIZES = [
  { label: '100 KiB', bytes: 100 * KB },
  { label: '2 MiB', bytes: 2 * MB },
] as const;
const PHASES = ['upload', 'get'] as const;

interface Measured {
  readonly phase: (typeof PHASES)[number];
  readonly size: string;
  readonly target: TargetName;
  readonly load: WrkResult;
  /** Load average (1 min) just before the phase. */
  readonly loadavg: number;
  /** CPU seconds the server process (tree) used during the phase: req/s per core-second is what scales with cores. */
  readonly cpu: number;
  /** Of the server process's own CPU seconds (not its children's), those of its main thread; the rest are its other threads'. NaN for a process tree. */
  readonly mainCpu: number;
  readonly ownCpu: number;
  readonly idleRss: number;
  readonly rssPeak: number;
  /** Peak sampled VmRSS during the phase minus the target's idle VmRSS. */
  readonly rssGrowth: number;
}

requireTools();
const names = parseTargets(values.targets, values.cores ? CORES_TARGETS : undefined);
if (names.includes('nginx') && nginxMissing()) {
  console.error(nginxMissing());
  process.exit(1);
}
if (needsEmulators(names)) ensureEmulators();
// Everything started from here on (servers, their stores) inherits the servers' CPUs; wrk is started on its own.
await pinTree(process.pid, values['server-cpus']);

const scratch = await tempDir('wxmedia-bench-scratch-');
const targets = await startTargets(names);
const results: Measured[] = [];
try {
  for (const t of targets) {
    const allowed = /^Cpus_allowed_list:\s*(\S+)/m.exec(await readFile(`/proc/${t.pid}/status`, 'utf8'))?.[1];
    console.log(`${t.name}: pid ${t.pid} at ${t.url} on CPUs ${allowed}; idle RSS ${fmtMB(t.idleRss)}`);
  }
  for (const size of SIZES) {
    const image = jpeg({ size: size.bytes });
    const frame = multipartFrame('bench.jpg', 'image/jpeg');
    const multipart = Buffer.concat([frame.head, image, frame.tail]);
    const multipartFile = join(scratch.path, `multipart-${size.bytes}`);
    const imageFile = join(scratch.path, `image-${size.bytes}`);
    await writeFile(multipartFile, multipart);
    await writeFile(imageFile, image);
    const tag = size.label.replace(' ', '');

    // What each target is asked, per phase; the gets go to objects stored here first, outside any measurement.
    const requests = new Map<TargetName, Record<(typeof PHASES)[number], WrkRequest>>();
    for (const t of targets) {
      const gets: string[] = [];
      for (let i = 0; i < PREFILL; i++) gets.push(await store(t, multipart, frame.contentType, image, `get-${tag}-${i}`));
      const api = t.api;
      requests.set(t.name, {
        upload:
          api.kind === 'wechat'
            ? { method: 'POST', paths: [api.uploadPath], headers: { 'content-type': frame.contentType }, bodyFile: multipartFile, okBody: '"media_id"' }
            : {
                method: 'PUT',
                paths: Array.from({ length: UPLOAD_KEYS }, (_, i) => api.objectPath(`up-${tag}-${i}`)),
                headers: api.putHeaders,
                bodyFile: imageFile,
              },
        get: { method: 'GET', paths: gets },
      });
    }

    for (const phase of PHASES) {
      for (const t of targets) {
        const wrkOptions = { concurrency: CONCURRENCY, cpus: values['client-cpus'], scratch: scratch.path };
        await flushDisks();
        if (WARMUP_SECONDS > 0) await runWrk(t.url, requests.get(t.name)![phase], { ...wrkOptions, seconds: WARMUP_SECONDS });
        const before = loadavg()[0]!;
        const cpu0 = await cpuSeconds(t.pid, t.tree);
        const own0 = await cpuSeconds(t.pid);
        const main0 = await mainThreadCpuSeconds(t.pid);
        const threads0 = THREADS && !t.tree ? await threadCounters(t.pid) : undefined;
        t.rss.reset();
        const load = await runWrk(t.url, requests.get(t.name)![phase], { ...wrkOptions, seconds: SECONDS });
        await t.rss.sample();
        const cpu = (await cpuSeconds(t.pid, t.tree)) - cpu0;
        // One process's threads: for a process tree (a --workers primary, nginx's master) the split says nothing.
        const ownCpu = t.tree ? NaN : (await cpuSeconds(t.pid)) - own0;
        const mainCpu = t.tree ? NaN : (await mainThreadCpuSeconds(t.pid)) - main0;
        // A get must bring the whole object back: fewer bytes per reply than the image is a failure wrk cannot see.
        const expected = phase === 'get' ? (t.storesRawBody ? multipart.length : image.length) : 0;
        const short = load.requests > 0 && load.bytes / load.requests < expected;
        const m: Measured = {
          phase,
          size: size.label,
          target: t.name,
          load: short ? { ...load, errors: load.requests, firstError: `replies of ${(load.bytes / load.requests).toFixed(0)} bytes` } : load,
          loadavg: before,
          cpu,
          mainCpu,
          ownCpu,
          idleRss: t.idleRss,
          rssPeak: t.rss.max,
          rssGrowth: t.rss.max - t.idleRss,
        };
        results.push(m);
        console.log(
          `${t.name} ${phase} ${size.label}: ${load.requests} in ${load.seconds.toFixed(1)} s, ${load.rps.toFixed(1)} req/s, ` +
            `p50 ${fmtMs(load.p50)}, p99 ${fmtMs(load.p99)}, server CPU ${cpu.toFixed(1)} s, RSS peak ${fmtMB(m.rssPeak)} (+${fmtMB(m.rssGrowth)}), load ${before.toFixed(2)}` +
            (m.load.errors ? `; ${m.load.errors} errors, first: ${m.load.firstError}` : ''),
        );
        if (threads0) console.log(`  per request, by thread: ${threadsPerRequest(threads0, await threadCounters(t.pid), load.requests)}`);
      }
    }
  }
  await report(targets);
} finally {
  await stopAll();
  await scratch.cleanup();
}

/** Stores one object outside the measurement (for the gets); returns the path a get of it goes to. */
async function store(t: Target, multipart: Buffer, contentType: string, image: Buffer, key: string): Promise<string> {
  if (t.api.kind === 'wechat') {
    const res = await fetch(new URL(t.api.uploadPath, t.url), { method: 'POST', headers: { 'content-type': contentType }, body: multipart });
    const reply = (await res.json()) as { errcode?: number; media_id?: string };
    if (!reply.media_id) throw new Error(`${t.name}: upload failed: ${JSON.stringify(reply)}`);
    return t.api.getPath(reply.media_id);
  }
  const path = t.api.objectPath(key);
  const res = await fetch(new URL(path, t.url), { method: 'PUT', headers: t.api.putHeaders, body: image });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${t.name}: PUT ${key}: ${res.status}`);
  return path;
}

async function report(targets: readonly Target[]): Promise<void> {
  const hwm = await Promise.all(targets.map(async (t) => `${t.name} ${fmtMB(t.idleRss)} idle, VmHWM ${fmtMB((await procMemory(t.pid, t.tree)).hwm)}`));
  const header =
    `${new Date().toISOString()} · node ${process.version} · ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}) · wrk -t1 -c${CONCURRENCY} ` +
    `-d${SECONDS}s (after ${WARMUP_SECONDS} s unmeasured) on CPU ${values['client-cpus']} · servers on CPU ${values.cores ? 'all' : values['server-cpus']} · load average now ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`;
  console.log(`\n${header}\nserver RSS: ${hwm.join('; ')}\n`);
  console.log(
    table(
      results.map((m) => ({
        phase: m.phase,
        size: m.size,
        server: m.target,
        requests: m.load.requests,
        errors: m.load.errors,
        'req/s': m.load.rps.toFixed(1),
        p50: fmtMs(m.load.p50),
        p99: fmtMs(m.load.p99),
        'server CPU': `${((100 * m.cpu) / m.load.seconds).toFixed(0)} %`,
        'req per CPU-s': (m.load.requests / m.cpu).toFixed(0),
        // What each request cost, and where: the main thread against the process's other threads (common.ts).
        'µs/req main': Number.isNaN(m.mainCpu) ? '—' : ((1e6 * m.mainCpu) / m.load.requests).toFixed(0),
        'µs/req other threads': Number.isNaN(m.mainCpu) ? '—' : ((1e6 * (m.ownCpu - m.mainCpu)) / m.load.requests).toFixed(0),
        'RSS growth': fmtMB(m.rssGrowth),
        'load avg': m.loadavg.toFixed(2),
      })),
    ),
  );
  const comparisons: Array<[TargetName, TargetName]> = [
    ...PEERS.map((p) => ['wxmedia', p] as [TargetName, TargetName]),
    ['wxmedia-s3-redis', 'wxmedia'],
    ['wxmedia-s3-redis', 'bare-s3'],
    ['wxmedia-2-workers', 'wxmedia-unpinned'],
  ];
  const rows: Array<Record<string, string>> = [];
  for (const [a, b] of comparisons) {
    for (const m of results.filter((r) => r.target === a)) {
      const d = results.find((r) => r.target === b && r.phase === m.phase && r.size === m.size);
      if (!d) continue;
      rows.push({
        phase: m.phase,
        size: m.size,
        ratio: `${a} ÷ ${b}`,
        'req/s ÷': ratio(m.load.rps, d.load.rps),
        'p99 ÷': ratio(m.load.p99, d.load.p99),
        'req per CPU-s ÷': ratio(m.load.requests / m.cpu, d.load.requests / d.cpu),
        'RSS growth ÷': ratio(m.rssGrowth, d.rssGrowth),
      });
    }
  }
  if (rows.length > 0) console.log(`\nRatios, same run (req/s: below 1× is slower; p99 and RSS growth: above 1× is higher)\n\n${table(rows)}`);
  if (values.json) {
    await writeFile(
      values.json,
      JSON.stringify(
        {
          header,
          seconds: SECONDS,
          warmupSeconds: WARMUP_SECONDS,
          concurrency: CONCURRENCY,
          results: results.map((m) => ({ ...m, idleRss: m.idleRss / MB, rssPeak: m.rssPeak / MB, rssGrowth: m.rssGrowth / MB })),
          ratios: rows,
        },
        null,
        2,
      ),
    );
    console.log(`\nwritten: ${values.json}`);
  }
}

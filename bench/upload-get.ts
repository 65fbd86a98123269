/**
 * Upload and get throughput of wxmedia against its peers, side by side in one run: `wxmedia serve` (CLI, real token,
 * real multipart, --log-level warn), bench/peers/bare-node.ts (the ceiling) and bench/peers/buffering.ts (the naive
 * design), each a child process on 127.0.0.1 with its own data dir under os.tmpdir(). Same load generator, same
 * request bytes, same phases: 100 KB and 2 MB JPEGs at concurrency 32, each phase bounded in time and count, the
 * targets taking turns phase by phase so that drift in this noisy machine hits all of them alike. Reports
 * requests/s, p50/p99 latency and RSS growth (sampled VmRSS over idle), then wxmedia ÷ peer for each, and each
 * other wxmedia configuration (S3 + Redis, two workers; see lib/targets.ts) ÷ the embedded one.
 *
 *   node --import tsx bench/upload-get.ts [--seconds 8] [--concurrency 32] [--targets wxmedia,wxmedia-s3-redis,…]
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { jpeg } from '../test/helpers/images.ts';
import { KB, MB, fmtMB, fmtMs, multipartFrame, pool, procMemory, runLoad, table, type LoadResult } from './common.ts';
import { ratio } from './lib/ratio.ts';
import { PEERS, parseTargets, startTargets, stopAll, type Target } from './lib/targets.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '8' }, concurrency: { type: 'string', default: '32' }, targets: { type: 'string' } },
});
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);

// The upload caps bound the disk a fast target can fill (at most ~2 GB + 3 GB per target, removed at the end).
const SIZES = [
  { label: '100 KB', bytes: 100 * KB, maxUploads: 20_000 },
  { label: '2 MB', bytes: 2 * MB, maxUploads: 1_500 },
] as const;
const PHASES = ['upload', 'get'] as const;

interface Measured {
  readonly phase: (typeof PHASES)[number];
  readonly size: string;
  readonly target: Target;
  readonly load: LoadResult;
  /** Peak sampled VmRSS during the phase minus the target's idle VmRSS. */
  readonly rssGrowth: number;
  readonly rssPeak: number;
}

const { targets } = await startTargets(parseTargets(values.targets));
const pools = new Map(targets.map((t) => [t.name, pool(t.url, CONCURRENCY)] as const));
const results: Measured[] = [];
try {
  for (const t of targets) console.log(`${t.name}: pid ${t.pid} at ${t.url}; idle RSS ${fmtMB(t.idleRss)}`);

  for (const size of SIZES) {
    // A few distinct files, each framed once; every target is sent these very buffers.
    const bodies = Array.from({ length: 4 }, (_, i) => {
      const frame = multipartFrame(`bench${i}.jpg`, 'image/jpeg');
      return { body: Buffer.concat([frame.head, jpeg({ size: size.bytes }), frame.tail]), contentType: frame.contentType };
    });
    /** Per target: the ids it returned, and how many bytes a get of each must return. */
    const stored = new Map(targets.map((t) => [t.name, [] as Array<{ id: string; bytes: number }>] as const));

    for (const phase of PHASES) {
      for (const t of targets) {
        const http = pools.get(t.name)!;
        const ids = stored.get(t.name)!;
        const q = `access_token=${encodeURIComponent(t.token)}`;
        t.rss.reset();
        const load =
          phase === 'upload'
            ? await runLoad(`${t.name} upload`, { concurrency: CONCURRENCY, seconds: SECONDS, maxRequests: size.maxUploads }, async (i) => {
                const b = bodies[i % bodies.length]!;
                const res = await http.request({
                  path: `/cgi-bin/media/upload?${q}&type=image`,
                  method: 'POST',
                  headers: { 'content-type': b.contentType, 'content-length': String(b.body.length) },
                  body: b.body,
                });
                const reply = (await res.body.json()) as { errcode: number; media_id?: string };
                if (reply.errcode !== 0 || !reply.media_id) throw new Error(`upload: ${JSON.stringify(reply)}`);
                ids.push({ id: reply.media_id, bytes: t.storesRawBody ? b.body.length : size.bytes });
                return size.bytes;
              })
            : await runLoad(`${t.name} get`, { concurrency: CONCURRENCY, seconds: SECONDS, maxRequests: 200_000 }, async (i) => {
                const want = ids[i % ids.length]!;
                const res = await http.request({ path: `/cgi-bin/media/get?${q}&media_id=${want.id}`, method: 'GET' });
                let n = 0;
                for await (const chunk of res.body) n += (chunk as Buffer).length;
                if (res.statusCode !== 200 || n !== want.bytes || res.headers['content-type'] !== 'image/jpeg') {
                  throw new Error(`get: ${res.statusCode}, ${n} bytes`);
                }
                return size.bytes; // the image payload, counted alike for every target
              });
        await t.rss.sample();
        const m: Measured = { phase, size: size.label, target: t, load, rssPeak: t.rss.max, rssGrowth: t.rss.max - t.idleRss };
        results.push(m);
        console.log(
          `${t.name} ${phase} ${size.label}: ${load.requests} in ${load.seconds.toFixed(1)} s, ${load.rps.toFixed(1)} req/s, ` +
            `p50 ${fmtMs(load.p50)}, p99 ${fmtMs(load.p99)}, RSS peak ${fmtMB(m.rssPeak)} (+${fmtMB(m.rssGrowth)})`,
        );
      }
    }
  }

  const hwm = await Promise.all(
    targets.map(async (t) => `${t.name} ${fmtMB(t.idleRss)} idle, VmHWM ${fmtMB((await procMemory(t.pid, t.name === 'wxmedia-2-workers')).hwm)}`),
  );
  console.log(
    `\n${new Date().toISOString()} · node ${process.version} · ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}) · ` +
      `concurrency ${CONCURRENCY} · ${SECONDS} s per phase`,
  );
  console.log(`server RSS: ${hwm.join('; ')}\n`);
  console.log(
    table(
      results.map((m) => ({
        phase: m.phase,
        size: m.size,
        server: m.target.name,
        requests: m.load.requests,
        errors: m.load.errors,
        'req/s': m.load.rps.toFixed(1),
        'MB/s': m.load.mbps.toFixed(1),
        p50: fmtMs(m.load.p50),
        p99: fmtMs(m.load.p99),
        'peak RSS': fmtMB(m.rssPeak),
        'RSS growth': fmtMB(m.rssGrowth),
      })),
    ),
  );
  const versus = (title: string, base: (m: Measured) => boolean, other: (m: Measured) => boolean, label: string) => {
    const rows: Array<Record<string, string>> = [];
    for (const m of results.filter(other)) {
      const w = results.find((r) => base(r) && r.phase === m.phase && r.size === m.size);
      if (!w) continue;
      rows.push({
        phase: m.phase,
        size: m.size,
        [label]: m.target.name,
        'req/s ÷': ratio(w.load.rps, m.load.rps),
        'p99 ÷': ratio(w.load.p99, m.load.p99),
        'RSS growth ÷': ratio(w.rssGrowth, m.rssGrowth),
      });
    }
    if (rows.length > 0) console.log(`\n${title} (req/s: below 1× is slower; p99 and RSS growth: above 1× is higher)\n\n${table(rows)}`);
  };
  const embedded = (m: Measured) => m.target.name === 'wxmedia';
  versus('wxmedia ÷ peer', embedded, (m) => PEERS.includes(m.target.name), 'peer');
  // The other way round here: each configuration against the embedded one.
  for (const name of ['wxmedia-s3-redis', 'wxmedia-2-workers'] as const) {
    versus(`${name} ÷ wxmedia (embedded)`, (m) => m.target.name === name, embedded, 'against');
  }
} finally {
  await Promise.all([...pools.values()].map((p) => p.close()));
  await stopAll();
}

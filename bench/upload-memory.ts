/**
 * Memory under large concurrent uploads, wxmedia against its peers in one run: 32 uploads of a 10 MiB JPEG (the
 * default limit, so all are accepted) in flight at once, for a few rounds, against `wxmedia serve` (CLI, real
 * token, real multipart, --log-level warn), bench/peers/bare-node.ts (streams, the floor) and
 * bench/peers/buffering.ts (holds each whole body in memory), each a child process on 127.0.0.1 with its own data
 * dir. Reports each server's peak RSS (VmHWM from /proc/<pid>/status) over its idle RSS, against 32 × 10 MiB, and
 * wxmedia's growth ÷ each peer's. wxmedia-s3-redis (the S3 blob store and the Redis state store, see
 * lib/targets.ts) is measured beside it, and its growth ÷ the embedded one's.
 *
 *   node --import tsx bench/upload-memory.ts [--rounds 3] [--concurrency 32] [--targets wxmedia,wxmedia-s3-redis,…]
 */
import { loadavg } from 'node:os';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { jpeg } from '../test/helpers/images.ts';
import { MB, fmtMB, multipartFrame, pool, procMemory, table } from './common.ts';
import { ratio } from './lib/ratio.ts';
import { ensureEmulators } from './lib/services.ts';
import { PEERS, needsEmulators, parseTargets, startTargets, stopAll, type Target } from './lib/targets.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '32' },
    targets: { type: 'string', default: 'wxmedia,wxmedia-s3-redis,bare-node,buffering' },
  },
});
const ROUNDS = Number(values.rounds);
const CONCURRENCY = Number(values.concurrency);
const FILE = 10 * MB;
const SLICE = 256 * 1024;

interface Measured {
  readonly target: Target;
  readonly accepted: number;
  readonly seconds: number;
  readonly hwm: number;
  readonly sampledPeak: number;
  /** VmHWM after each round: flat means nothing accumulates. */
  readonly hwmByRound: number[];
}

const file = jpeg({ size: FILE });
const frame = multipartFrame('big.jpg', 'image/jpeg');
const length = frame.head.length + file.length + frame.tail.length;

// Streamed in slices from one shared buffer, so every upload is in flight at once and the client stays small.
function* slices(): Generator<Buffer> {
  yield frame.head;
  for (let i = 0; i < file.length; i += SLICE) yield file.subarray(i, i + SLICE);
  yield frame.tail;
}

async function measure(t: Target): Promise<Measured> {
  if (t.api.kind !== 'wechat') throw new Error(`${t.name}: the memory bench sends WeChat uploads only`);
  const uploadPath = t.api.uploadPath;
  const http = pool(t.url, CONCURRENCY);
  t.rss.reset();
  const t0 = performance.now();
  let accepted = 0;
  const hwmByRound: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const replies = await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          const res = await http.request({
            path: uploadPath,
            method: 'POST',
            headers: { 'content-type': frame.contentType, 'content-length': String(length) },
            body: Readable.from(slices(), { objectMode: false }),
          });
          return (await res.body.json()) as { errcode: number };
        }),
      );
      const good = replies.filter((r) => r.errcode === 0).length;
      accepted += good;
      const mem = await procMemory(t.pid, t.name === 'wxmedia-2-workers');
      hwmByRound.push(mem.hwm);
      console.log(`${t.name} round ${round + 1}: ${good}/${CONCURRENCY} accepted; RSS now ${fmtMB(mem.rss)}, VmHWM ${fmtMB(mem.hwm)}, sampled peak ${fmtMB(t.rss.max)}`);
      if (good !== CONCURRENCY) console.error(`${t.name}: some uploads failed:`, replies.filter((r) => r.errcode !== 0).slice(0, 3));
    }
  } finally {
    await http.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  const end = await procMemory(t.pid, t.name === 'wxmedia-2-workers');
  return { target: t, accepted, seconds, hwm: end.hwm, sampledPeak: t.rss.max, hwmByRound };
}

const names = parseTargets(values.targets);
if (needsEmulators(names)) ensureEmulators();
const targets = await startTargets(names);
const results: Measured[] = [];
try {
  for (const t of targets) console.log(`${t.name}: pid ${t.pid} at ${t.url}; idle RSS ${fmtMB(t.idleRss)}`);
  // One target at a time: each is alone on the machine while it holds the most memory.
  for (const t of targets) results.push(await measure(t));
} finally {
  await stopAll();
}

const buffered = CONCURRENCY * FILE;
const growth = (m: Measured) => m.hwm - m.target.idleRss;
const w = results.find((m) => m.target.name === 'wxmedia');
console.log(
  `\n${new Date().toISOString()} · node ${process.version} · ${ROUNDS} rounds × ${CONCURRENCY} concurrent 10 MiB uploads per server · ` +
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
);
console.log(
  table(
    results.map((m) => ({
      server: m.target.name,
      accepted: `${m.accepted}/${ROUNDS * CONCURRENCY}`,
      seconds: m.seconds.toFixed(1),
      'idle RSS': fmtMB(m.target.idleRss),
      'peak RSS (VmHWM)': fmtMB(m.hwm),
      'VmHWM by round': m.hwmByRound.map((h) => (h / MB).toFixed(0)).join(' / '),
      'growth over idle': fmtMB(growth(m)),
      [`growth ÷ ${CONCURRENCY} × 10 MiB`]: `${((100 * growth(m)) / buffered).toFixed(1)} %`,
      'wxmedia growth ÷': w && PEERS.includes(m.target.name) ? ratio(growth(w), growth(m)) : '—',
      '÷ wxmedia (embedded)': w && m !== w && !PEERS.includes(m.target.name) ? ratio(growth(m), growth(w)) : '—',
    })),
  ),
);
if (results.some((m) => m.accepted !== ROUNDS * CONCURRENCY)) process.exitCode = 1;

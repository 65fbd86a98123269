/**
 * Memory under large concurrent uploads: 32 uploads of a 10 MiB JPEG (the default limit, so all are accepted) in
 * flight at once against `wxmedia serve` (child process, own data dir, 127.0.0.1), for a few rounds. Reports the
 * server's peak RSS (VmHWM from /proc/<pid>/status, and sampled VmRSS) against 32 × 10 MiB: a server that buffered
 * whole files would need at least that much more.
 *
 *   node --import tsx bench/upload-memory.ts [--rounds 3] [--concurrency 32]
 */
import { parseArgs } from 'node:util';
import { Readable } from 'node:stream';
import { jpeg } from '../test/helpers/images.ts';
import { MB, fmtMB, multipartFrame, pool, procMemory, startBenchServer } from './common.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, concurrency: { type: 'string', default: '32' } } });
const ROUNDS = Number(values.rounds);
const CONCURRENCY = Number(values.concurrency);
const FILE = 10 * MB;
const SLICE = 256 * 1024;

const server = await startBenchServer();
let failed = false;
try {
  const { cli, token, rss } = server;
  const idle = await procMemory(cli.pid);
  console.log(`wxmedia serve pid ${cli.pid} at ${cli.url}; idle RSS ${fmtMB(idle.rss)}, VmHWM ${fmtMB(idle.hwm)}`);
  const http = pool(cli.url, CONCURRENCY);
  const file = jpeg({ size: FILE });
  const frame = multipartFrame('big.jpg', 'image/jpeg');
  const length = frame.head.length + file.length + frame.tail.length;

  // Streamed in slices from one shared buffer, so every upload is in flight at once and the client stays small.
  function* slices(): Generator<Buffer> {
    yield frame.head;
    for (let i = 0; i < file.length; i += SLICE) yield file.subarray(i, i + SLICE);
    yield frame.tail;
  }

  rss.reset();
  const t0 = performance.now();
  let ok = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const replies = await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        const res = await http.request({
          path: `/cgi-bin/media/upload?access_token=${encodeURIComponent(token)}&type=image`,
          method: 'POST',
          headers: { 'content-type': frame.contentType, 'content-length': String(length) },
          body: Readable.from(slices(), { objectMode: false }),
        });
        return (await res.body.json()) as { errcode: number };
      }),
    );
    const good = replies.filter((r) => r.errcode === 0).length;
    ok += good;
    const mem = await procMemory(cli.pid);
    console.log(`round ${round + 1}: ${good}/${CONCURRENCY} accepted; RSS now ${fmtMB(mem.rss)}, VmHWM ${fmtMB(mem.hwm)}, sampled peak ${fmtMB(rss.max)}`);
    if (good !== CONCURRENCY) {
      failed = true;
      console.error('some uploads failed:', replies.filter((r) => r.errcode !== 0).slice(0, 3));
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  await http.close();
  const end = await procMemory(cli.pid);
  const buffered = CONCURRENCY * FILE;
  console.log(`\n${new Date().toISOString()} · node ${process.version} · ${ROUNDS} rounds × ${CONCURRENCY} concurrent 10 MiB uploads, ${ok} accepted in ${seconds.toFixed(1)} s`);
  console.log(`server idle RSS:          ${fmtMB(idle.rss)}`);
  console.log(`server peak RSS (VmHWM):  ${fmtMB(end.hwm)}   (sampled VmRSS peak ${fmtMB(rss.max)})`);
  console.log(`growth over idle:         ${fmtMB(end.hwm - idle.rss)}`);
  console.log(`32 × 10 MiB:              ${fmtMB(buffered)}   → peak growth is ${((100 * (end.hwm - idle.rss)) / buffered).toFixed(1)} % of it`);
} finally {
  await server.stop();
}
if (failed) process.exitCode = 1;

/**
 * Upload and get throughput of `wxmedia serve` (child process, own data dir under os.tmpdir(), 127.0.0.1 only):
 * 100 KB and 2 MB JPEGs, concurrency 32, each phase bounded in time and count. Reports requests/s, p50/p99
 * latency and the server's RSS (sampled VmRSS, and VmHWM from /proc/<pid>/status).
 *
 *   node --import tsx bench/upload-get.ts [--seconds 12] [--concurrency 32]
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { jpeg } from '../test/helpers/images.ts';
import { KB, MB, fmtMB, fmtMs, multipartFrame, pool, procMemory, runLoad, startBenchServer, table, type LoadResult } from './common.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '12' }, concurrency: { type: 'string', default: '32' } },
});
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);

const SIZES = [
  { label: '100 KB', bytes: 100 * KB, maxUploads: 20_000 },
  { label: '2 MB', bytes: 2 * MB, maxUploads: 800 },
] as const;

const server = await startBenchServer();
const rows: Array<Record<string, string | number>> = [];
try {
  const { cli, token, rss } = server;
  const base = await procMemory(cli.pid);
  console.log(`wxmedia serve pid ${cli.pid} at ${cli.url}; idle RSS ${fmtMB(base.rss)}`);
  const http = pool(cli.url, CONCURRENCY);
  const q = `access_token=${encodeURIComponent(token)}`;

  const record = async (r: LoadResult, size: string) => {
    const mem = await procMemory(cli.pid);
    rows.push({
      phase: r.name,
      size,
      requests: r.requests,
      errors: r.errors,
      'req/s': r.rps.toFixed(1),
      'MB/s': r.mbps.toFixed(1),
      p50: fmtMs(r.p50),
      p99: fmtMs(r.p99),
      'peak RSS (sampled)': fmtMB(rss.max),
      'VmHWM so far': fmtMB(mem.hwm),
    });
    console.log(`${r.name} ${size}: ${r.requests} in ${r.seconds.toFixed(1)} s, ${r.rps.toFixed(1)} req/s, p50 ${fmtMs(r.p50)}, p99 ${fmtMs(r.p99)}, RSS peak ${fmtMB(rss.max)}`);
  };

  for (const size of SIZES) {
    // A few distinct files, each framed once; requests reuse the buffers.
    const bodies = Array.from({ length: 4 }, (_, i) => {
      const frame = multipartFrame(`bench${i}.jpg`, 'image/jpeg');
      return { body: Buffer.concat([frame.head, jpeg({ size: size.bytes }), frame.tail]), contentType: frame.contentType };
    });
    const ids: string[] = [];

    rss.reset();
    const up = await runLoad('upload', { concurrency: CONCURRENCY, seconds: SECONDS, maxRequests: size.maxUploads }, async (i) => {
      const b = bodies[i % bodies.length]!;
      const res = await http.request({
        path: `/cgi-bin/media/upload?${q}&type=image`,
        method: 'POST',
        headers: { 'content-type': b.contentType, 'content-length': String(b.body.length) },
        body: b.body,
      });
      const reply = (await res.body.json()) as { errcode: number; media_id?: string };
      if (reply.errcode !== 0 || !reply.media_id) throw new Error(`upload: ${JSON.stringify(reply)}`);
      ids.push(reply.media_id);
      return size.bytes;
    });
    await record(up, size.label);

    rss.reset();
    const get = await runLoad('get', { concurrency: CONCURRENCY, seconds: SECONDS, maxRequests: 200_000 }, async (i) => {
      const res = await http.request({ path: `/cgi-bin/media/get?${q}&media_id=${ids[i % ids.length]}`, method: 'GET' });
      let n = 0;
      for await (const chunk of res.body) n += (chunk as Buffer).length;
      if (res.statusCode !== 200 || n !== size.bytes || res.headers['content-type'] !== 'image/jpeg') throw new Error(`get: ${res.statusCode}, ${n} bytes`);
      return n;
    });
    await record(get, size.label);
  }
  await http.close();

  const end = await procMemory(cli.pid);
  console.log(`\n${new Date().toISOString()} · node ${process.version} · ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}) · concurrency ${CONCURRENCY} · ${SECONDS} s per phase`);
  console.log(`server RSS: idle ${fmtMB(base.rss)}, end ${fmtMB(end.rss)}, VmHWM ${fmtMB(end.hwm)}\n`);
  console.log(table(rows));
} finally {
  await server.stop();
}

/**
 * `wxmedia serve --workers 2` observed as one server, with calls known to have been answered by each worker (the
 * pid in each call's log line): /metrics and the recent calls (lookup by rid, listing, live stream, overview)
 * answer for both whichever takes the request; a stuck worker makes a scrape fail within the peers' timeout (never
 * hang), and a killed one neither holds scrapes up nor takes its counts out of the sums. workers.test.ts checks the
 * same record and metrics without the pids, and the reset. Each request goes on a connection of its own so the two
 * workers share them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { ERRCODES, ridOfErrmsg, type CallRecord, type Overview } from '@wxmedia/protocol';
import { PEER_TIMEOUT_MS } from '@wxmedia/server';
import { sample, total } from '../helpers/metrics.ts';
import { fetchToken, startCli, tempDir, type CliServer } from '../helpers/server.ts';
import { APP, waitForWorkers, workerPids } from './fleet.ts';

const ADMIN_KEY = 'workers-observability-admin-key';
const auth = { authorization: `Bearer ${ADMIN_KEY}` };
/** Each request on a connection of its own, so the two workers share them. */
const fresh = { connection: 'close' };
/** Longer than the primary's wait for the workers: a scrape that waits it out still answers. */
const SCRAPE_PATIENCE_MS = PEER_TIMEOUT_MS + 3_000;

describe('wxmedia serve --workers 2 observed as one server', () => {
  let data: { path: string; cleanup(): Promise<void> };
  let server: CliServer;
  let token: string;
  /** WeChat API calls this test has made: what wxmedia_requests_total must say. */
  let sent = 0;
  /** Rids of failed calls, with the pid of the worker that answered each. */
  const failed = new Map<string, number>();

  before(async () => {
    data = await tempDir('wxmedia-workers-obs-');
    server = await startCli({
      dataDir: join(data.path, 'data'),
      args: ['--workers', '2', '--log-level', 'info', '--log-format', 'json'],
      env: { WXMEDIA_ADMIN_KEY: ADMIN_KEY },
    });
    token = await fetchToken(server.url, APP!);
    sent += 1;
  });
  after(async () => {
    await server?.stop();
    await data?.cleanup();
  });

  /** The pid in the log line of the request `rid` (the log reaches the test a little after the answer). */
  async function answeredBy(rid: string): Promise<number> {
    for (let i = 0; i < 100; i++) {
      for (const line of server.output().split('\n')) {
        if (!line.includes(rid) || !line.startsWith('{')) continue;
        const record = JSON.parse(line) as { rid?: string; msg?: string; pid?: number };
        if (record.rid === rid && record.msg === 'request' && record.pid) return record.pid;
      }
      await sleep(50);
    }
    throw new Error(`no log line for ${rid}`);
  }

  /** A get of a media id never stored: 40007, with a rid. */
  async function failingCall(): Promise<string> {
    const r = await fetch(`${server.url}/cgi-bin/media/get?access_token=${encodeURIComponent(token)}&media_id=${'A'.repeat(64)}`, { headers: fresh });
    const body = (await r.json()) as { errcode: number; errmsg: string };
    sent += 1;
    assert.equal(body.errcode, ERRCODES.INVALID_MEDIA_ID.errcode);
    return ridOfErrmsg(body.errmsg)!;
  }

  async function scrape(signal?: AbortSignal): Promise<{ status: number; text: string }> {
    const r = await fetch(`${server.url}/metrics`, { headers: fresh, ...(signal ? { signal } : {}) });
    return { status: r.status, text: await r.text() };
  }

  async function admin<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
    const r = await fetch(`${server.url}/wxmedia/admin${path}`, { ...init, headers: { ...auth, ...fresh } });
    return { status: r.status, body: (await r.json()) as T };
  }

  it('every scrape of /metrics counts the calls of both workers', async () => {
    for (let i = 0; i < 20; i++) {
      const rid = await failingCall();
      failed.set(rid, await answeredBy(rid));
    }
    assert.equal(new Set(failed.values()).size, 2, 'the calls were answered by both workers');
    for (let i = 0; i < 6; i++) {
      const { status, text } = await scrape();
      assert.equal(status, 200);
      assert.equal(total(text, 'wxmedia_requests_total'), sent, `scrape ${i}: ${text.split('\n').filter((l) => l.startsWith('wxmedia_requests_total')).join('; ')}`);
      assert.equal(sample(text, 'wxmedia_requests_total', { api: '/cgi-bin/media/get', errcode: '40007' }), 20);
      assert.equal(total(text, 'wxmedia_request_duration_seconds_count'), sent, 'histograms are summed too');
      assert.equal(sample(text, 'wxmedia_tokens_issued_total', { lane: 'token' }), 1);
      // Read from the shared state store by each worker: the same value, not twice it.
      assert.equal(sample(text, 'wxmedia_apps'), 3);
      assert.ok((sample(text, 'wxmedia_process_resident_memory_bytes') ?? 0) > 0, 'process metrics, summed over the workers');
      assert.match(text, /^# TYPE wxmedia_requests_total counter$/m);
    }
  });

  it('a failed call is found by its rid on every try, whichever worker answered it; the listing and overview have all', async () => {
    const byWorker = new Map<number, string[]>();
    for (const [rid, pid] of failed) byWorker.set(pid, [...(byWorker.get(pid) ?? []), rid]);
    const rids = [...byWorker.values()].flatMap((list) => list.slice(0, 2));
    assert.equal(rids.length, 4);
    for (const rid of rids) {
      for (let i = 0; i < 4; i++) {
        const { status, body } = await admin<{ call: CallRecord }>(`/calls/${rid}`);
        assert.equal(status, 200, `${rid}, try ${i}: ${JSON.stringify(body)}`);
        assert.equal(body.call.rid, rid);
        assert.equal(body.call.errcode, ERRCODES.INVALID_MEDIA_ID.errcode);
        assert.match(String(body.call.reason), /invalid media_id/);
      }
    }
    const missing = await admin<{ errmsg: string; code: string }>('/calls/00000000-00000000-00000000');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'CALL_NOT_FOUND');
    assert.match(missing.body.errmsg, /answered by each worker of this instance/);

    for (let i = 0; i < 3; i++) {
      const { body } = await admin<{ calls: CallRecord[] }>('/calls?limit=1000');
      const listed = new Set(body.calls.map((c) => c.rid));
      assert.ok([...failed.keys()].every((rid) => listed.has(rid)), `try ${i}: every failed call is listed`);
      assert.equal(body.calls.length, sent);
      assert.ok(body.calls.every((c, j) => j === 0 || body.calls[j - 1]!.at >= c.at), 'newest first');
      const newest = await admin<{ calls: CallRecord[] }>('/calls?limit=3&failed=1');
      assert.deepEqual(newest.body.calls.map((c) => c.rid), body.calls.filter((c) => c.errcode !== 0).slice(0, 3).map((c) => c.rid));
      const { body: o } = await admin<{ overview: Overview }>('/overview');
      assert.equal(o.overview.perMinute.length, 60);
      assert.equal(o.overview.perMinute.reduce((n, m) => n + m.calls, 0), sent, `try ${i}: the overview counts both workers`);
      assert.equal(o.overview.errorsByErrcode[String(ERRCODES.INVALID_MEDIA_ID.errcode)], failed.size);
    }
  });

  it('the live stream carries the calls of both workers, after a backlog from both', async () => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 20_000);
    try {
      const res = await fetch(`${server.url}/wxmedia/admin/calls/stream?backlog=4`, { headers: auth, signal: controller.signal });
      assert.equal(res.status, 200);
      const reader = res.body!.getReader();
      const live = new Map<string, number>();
      for (let i = 0; i < 10; i++) {
        const rid = await failingCall();
        live.set(rid, await answeredBy(rid));
      }
      assert.equal(new Set(live.values()).size, 2, 'the calls were answered by both workers');
      let text = '';
      const seen = () => [...text.matchAll(/^id: (\S+)$/gm)].map((m) => m[1]!);
      while (![...live.keys()].every((rid) => seen().includes(rid))) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString('utf8');
      }
      controller.abort();
      const rids = seen();
      assert.ok([...live.keys()].every((rid) => rids.includes(rid)), `every live call streamed: ${rids.join(' ')}`);
      assert.equal(rids.length, 4 + live.size, 'the backlog of 4, then each live call once');
      assert.equal(new Set(rids).size, rids.length);
      assert.match(text, /: wxmedia calls of this server/);
    } finally {
      clearTimeout(timer);
    }
  });

  it('a stuck worker fails a scrape within the gather timeout, naming it; a killed one holds no scrape up and keeps its counts', async () => {
    const before = await workerPids(server.pid);
    assert.equal(before.size, 2);
    const victim = [...before][0]!;
    const scrapes = (n: number) => Promise.allSettled(Array.from({ length: n }, () => scrape(AbortSignal.timeout(SCRAPE_PATIENCE_MS))));

    // Stopped (SIGSTOP): the scrapes the other worker takes wait for it, then fail with 503 saying who.
    process.kill(victim, 'SIGSTOP');
    let stuck: PromiseSettledResult<{ status: number; text: string }>[];
    try {
      stuck = await scrapes(6);
    } finally {
      process.kill(victim, 'SIGCONT');
    }
    const answered = stuck.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    // A connection the primary hands to the stopped worker waits for it (the client gives up): the others are answered.
    assert.ok(answered.length >= 1, JSON.stringify(stuck));
    for (const { status, text } of answered) {
      assert.equal(status, 503, text);
      assert.match(text, new RegExp(`^the metrics of every worker could not be gathered: worker ${victim} did not answer within ${PEER_TIMEOUT_MS / 1000} s\\n$`));
    }
    const { status } = await scrape();
    assert.equal(status, 200, 'answered again once the worker goes on');

    // Killed (SIGKILL) while scrapes wait for it: they are answered at once, with what it had counted.
    process.kill(victim, 'SIGSTOP');
    const pending = scrapes(6);
    await sleep(1_000);
    process.kill(victim, 'SIGKILL');
    const killed = (await pending).flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    // A connection handed to the worker before it died is lost with it (node:cluster): the others are answered.
    assert.ok(killed.length >= 1, `${killed.length} of 6 scrapes answered`);
    for (const { status, text } of killed) {
      assert.equal(status, 200, text);
      assert.equal(total(text, 'wxmedia_requests_total'), sent, 'the killed worker\'s counts stay in the sum');
    }

    const after = await waitForWorkers(server.pid, 2, new Set([victim]));
    assert.ok(!after.has(victim) && after.size === 2, `workers before ${[...before]}, after ${[...after]}`);
    await failingCall();
    for (let i = 0; i < 6; i++) {
      const { status, text } = await scrape();
      assert.equal(status, 200);
      assert.equal(total(text, 'wxmedia_requests_total'), sent, `scrape ${i} after the restart: monotonic, nothing counted twice`);
    }
  });
});

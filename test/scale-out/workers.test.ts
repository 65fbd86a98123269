/**
 * `wxmedia serve --workers 2` on the embedded stores: two processes on one port, one LMDB and one media directory,
 * with the guarantees of two machines. Which worker takes a connection is the kernel's and the primary's choice,
 * so each check goes over many fresh connections (each request below is one) and must hold whichever answers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ERRCODES } from '@wxmedia/protocol';
import { png } from '../helpers/images.ts';
import { fetchToken, startCli, tempDir, uploadMedia, type CliServer } from '../helpers/server.ts';
import { APP, getErrcode, stableToken, waitForWorkers, workerPids } from './fleet.ts';

const GET_QUOTA = 30;
const ADMIN_KEY = 'workers-test-admin-key';

/** Each request on a connection of its own, so the two workers share them. */
const fresh = { headers: { connection: 'close' } };

describe('wxmedia serve --workers 2 on embedded storage', () => {
  let data: { path: string; cleanup(): Promise<void> };
  let server: CliServer;
  before(async () => {
    data = await tempDir('wxmedia-workers-');
    const config = join(data.path, 'wxmedia.json');
    await writeFile(config, JSON.stringify({ dailyQuotas: { '/cgi-bin/media/get': GET_QUOTA } }));
    server = await startCli({ dataDir: join(data.path, 'data'), args: ['--workers', '2', '--config', config], env: { WXMEDIA_ADMIN_KEY: ADMIN_KEY } });
  });
  after(async () => {
    await server?.stop();
    await data?.cleanup();
  });

  const workers = () => workerPids(server.pid);

  it('runs two workers, and media uploaded through one is served through any', async () => {
    assert.equal((await workers()).size, 2);
    const token = await fetchToken(server.url, APP!);
    const media: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await uploadMedia(server.url, token, { filename: `w${i}.png`, bytes: png({ size: 20_000 }), contentType: 'image/png' });
      assert.equal(r.errcode, 0, JSON.stringify(r));
      media.push(r.media_id!);
    }
    for (const id of media) {
      for (let i = 0; i < 4; i++) {
        const r = await fetch(`${server.url}/cgi-bin/media/get?access_token=${encodeURIComponent(token)}&media_id=${id}`, fresh);
        assert.equal(r.headers.get('content-type'), 'image/png');
        await r.arrayBuffer();
      }
    }
  });

  it('one exact quota and one token rotation across the workers', async () => {
    const token = await fetchToken(server.url, APP!);
    const old = (await stableToken(server.url)).access_token!;
    for (let i = 0; i < 4; i++) assert.equal(await getErrcode(server.url, old), ERRCODES.INVALID_MEDIA_ID.errcode);
    const forced = await stableToken(server.url, true);
    assert.ok(forced.access_token);
    await sleep(1_100);
    for (let i = 0; i < 6; i++) assert.equal(await getErrcode(server.url, old), ERRCODES.INVALID_CREDENTIAL.errcode, 'revoked in every worker');

    // A fresh app: quota counters are per app.
    const made = (await (
      await fetch(`${server.url}/wxmedia/admin/apps`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}` }, body: '{}' })
    ).json()) as { appid: string; secret: string };
    const own = await fetchToken(server.url, made);
    const codes = await Promise.all(Array.from({ length: GET_QUOTA + 10 }, () => getErrcode(server.url, own)));
    assert.equal(codes.filter((c) => c === ERRCODES.DAILY_QUOTA.errcode).length, 10, JSON.stringify(codes));
    assert.equal(codes.filter((c) => c === ERRCODES.INVALID_MEDIA_ID.errcode).length, GET_QUOTA);
    assert.ok(token);
  });

  it('a worker killed with -9 is replaced, and the service goes on', async () => {
    const before = await workers();
    const victim = [...before][0]!;
    process.kill(victim, 'SIGKILL');
    const after = await waitForWorkers(server.pid, 2, new Set([victim]));
    assert.ok(!after.has(victim) && after.size === 2, `workers before ${[...before]}, after ${[...after]}`);
    const token = await fetchToken(server.url, APP!);
    for (let i = 0; i < 4; i++) {
      const r = await fetch(`${server.url}/healthz`, fresh);
      assert.equal(r.status, 200);
      await r.arrayBuffer();
    }
    assert.ok(token);
  });

  it('one /metrics: every scrape counts every worker\'s requests (summed by the primary), shared gauges not doubled', async () => {
    const scrape = async (): Promise<Map<string, number>> => {
      const r = await fetch(`${server.url}/metrics`, fresh);
      assert.equal(r.status, 200);
      const samples = new Map<string, number>();
      for (const line of (await r.text()).split('\n')) {
        const m = /^(wxmedia_(?:requests_total|apps|media_stored)\S*) (\S+)$/.exec(line);
        if (m) samples.set(m[1]!, Number(m[2]));
      }
      return samples;
    };
    const errcode = ERRCODES.INVALID_ACCESS_TOKEN.errcode;
    const key = `wxmedia_requests_total{api="/cgi-bin/media/get",channel="https",errcode="${errcode}"}`;
    const before = (await scrape()).get(key) ?? 0;
    // An odd number over fresh connections: the workers take turns, so one answers more than the other.
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${server.url}/cgi-bin/media/get?access_token=not-a-token&media_id=x`, fresh);
      assert.equal(((await r.json()) as { errcode: number }).errcode, errcode);
    }
    const apps = ((await (await fetch(`${server.url}/wxmedia/admin/apps`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json()) as { apps: unknown[] }).apps.length;
    for (let i = 0; i < 4; i++) {
      const samples = await scrape();
      assert.equal(samples.get(key), before + 5, `scrape ${i + 1}: all five, whichever worker answers the scrape`);
      assert.equal(samples.get('wxmedia_apps'), apps, 'a gauge read from the shared store is not summed over the workers');
    }
  });

  it('one calls record: any worker finds any call by rid, lists, counts and streams them all, and a reset clears them all', async () => {
    const admin = (path: string, init: RequestInit = {}) =>
      fetch(`${server.url}/wxmedia/admin${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN_KEY}`, connection: 'close' } });
    /** A failing call on a connection of its own (a malformed token: 40014, spending no quota): its rid. */
    const failingCall = async (): Promise<string> => {
      const r = await fetch(`${server.url}/cgi-bin/media/get?access_token=not-a-token&media_id=${'B'.repeat(64)}`, fresh);
      const { errcode, errmsg } = (await r.json()) as { errcode: number; errmsg: string };
      assert.equal(errcode, ERRCODES.INVALID_ACCESS_TOKEN.errcode);
      return /rid: (\S+)$/.exec(errmsg)![1]!;
    };
    const rids: string[] = [];
    for (let i = 0; i < 8; i++) rids.push(await failingCall());

    for (const rid of rids) {
      for (let i = 0; i < 3; i++) {
        const r = await admin(`/calls/${rid}`);
        const body = await r.text();
        assert.equal(r.status, 200, `${rid}, ask ${i + 1}: ${body}`);
        assert.equal((JSON.parse(body) as { call: { errcode: number } }).call.errcode, ERRCODES.INVALID_ACCESS_TOKEN.errcode);
      }
    }
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const { calls } = (await (await admin('/calls?limit=1000')).json()) as { calls: { rid: string }[] };
      const listed = new Set(calls.map((c) => c.rid));
      assert.deepEqual(rids.filter((rid) => !listed.has(rid)), [], 'every worker lists every call');
      const { overview } = (await (await admin('/overview')).json()) as { overview: { errorsByErrcode: Record<string, number> } };
      counts.push(overview.errorsByErrcode[String(ERRCODES.INVALID_ACCESS_TOKEN.errcode)] ?? 0);
    }
    assert.ok(counts.every((n) => n === counts[0] && n >= rids.length), `the overview counts every worker's calls: ${counts}`);

    // The live stream: its backlog holds both workers' calls, and calls answered by either worker arrive live.
    const stream = await admin('/calls/stream?backlog=1000');
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    const streamed = new Set<string>();
    let buffered = '';
    /** Reads the stream until `done()`, or until `deadline` (then false); leaves no timer behind. */
    const readUntil = async (done: () => boolean, deadline: number): Promise<boolean> => {
      while (!done()) {
        if (Date.now() > deadline) return false;
        const giveUp = new AbortController();
        const chunk = await Promise.race([
          reader.read(),
          sleep(Math.max(0, deadline - Date.now()), undefined, { signal: giveUp.signal }).then(() => undefined, () => undefined),
        ]);
        giveUp.abort();
        if (!chunk || chunk.done) return done();
        buffered += chunk.value;
        for (const m of buffered.matchAll(/^id: (\S+)$/gm)) streamed.add(m[1]!);
      }
      return true;
    };
    try {
      assert.ok(await readUntil(() => rids.every((rid) => streamed.has(rid)), Date.now() + 10_000), 'the backlog holds every worker\'s calls');
      // A bounded readiness wait, not a timing assertion: the worker holding the stream asks the others to forward
      // their calls as it opens; from then on every call shows, whichever worker answers it.
      let inARow = 0;
      for (let attempt = 0; attempt < 40 && inARow < 6; attempt++) {
        const rid = await failingCall();
        inARow = (await readUntil(() => streamed.has(rid), Date.now() + 1_000)) ? inARow + 1 : 0;
      }
      assert.equal(inARow, 6, 'six calls in a row (both workers take turns) arrive on the stream');
    } finally {
      await reader.cancel();
    }

    const reset = await admin('/reset', { method: 'POST', body: '{}' });
    assert.equal(reset.status, 200);
    for (let i = 0; i < 4; i++) {
      const { calls } = (await (await admin('/calls?limit=1000')).json()) as { calls: unknown[] };
      assert.deepEqual(calls, [], 'the reset cleared every worker\'s record');
    }
  });
});

/**
 * Faults of a scaled-out service, with real processes: an instance killed (-9) in the middle of uploads, Redis
 * stopped and restarted with its own persistence (AOF) under running instances, the bucket going away and coming
 * back. Requests answer -1 within a bounded time meanwhile (never a hang, never a 5xx), /healthz says which store
 * is missing while /healthz/live stays up, and the instances recover by themselves.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ERRCODES } from '@wxmedia/protocol';
import { jpeg, png } from '../helpers/images.ts';
import { BOUNDARY, multipartBody, rawHead, rawRequest } from '../helpers/raw-http.ts';
import { redisServerMissing, startRedisServer, type LocalRedis } from '../helpers/redis-server.ts';
import { startS3rver, type LocalS3 } from '../helpers/s3rver.ts';
import { fetchToken, getMedia, uploadMedia } from '../helpers/server.ts';
import { APP, getErrcode, startFleet, type Fleet } from './fleet.ts';

const MB = 1024 * 1024;
/** Not a speed goal: the most a request may take while a store is away (its deadline plus slack for this machine). */
const BOUNDED_MS = 15_000;
const noRedis = redisServerMissing();

async function health(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${url}/healthz`);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

/** Polls until `check` holds (a readiness wait, bounded). */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  assert.fail(`${what} never happened`);
}

/** One request, timed; a 5xx, a reset or a hang past BOUNDED_MS fails the test. */
async function timed<T>(request: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await request();
  assert.ok(Date.now() - started < BOUNDED_MS, `answered within ${BOUNDED_MS} ms`);
  return result;
}

describe('faults of a scaled-out service', { skip: noRedis?.skip ?? false }, () => {
  let s3: LocalS3;
  let redis: LocalRedis;
  let fleet: Fleet;
  before(async () => {
    s3 = await startS3rver();
    redis = await startRedisServer({ appendOnly: true });
    fleet = await startFleet({ instances: 2, stateStore: redis.url, s3 });
  });
  after(async () => {
    await fleet?.stop();
    await redis?.dispose();
    await s3?.dispose();
  });

  it('kill -9 of an instance mid-upload: every acknowledged media is served by the other and the restarted one; nothing partial is visible', async () => {
    const [a, b] = fleet.instances;
    const token = await fetchToken(a!.url, APP!);
    const acknowledged: { id: string; bytes: Buffer }[] = [];
    for (const size of [20_000, 2 * MB, 300_000]) {
      const bytes = jpeg({ size });
      const r = await uploadMedia(a!.url, token, { filename: 'kept.jpg', bytes, contentType: 'image/jpeg' });
      assert.equal(r.errcode, 0, JSON.stringify(r));
      acknowledged.push({ id: r.media_id!, bytes });
    }
    // Three large uploads in flight on instance 0, sent slowly over raw sockets, then kill -9 that instance.
    const port = Number(new URL(a!.url).port);
    const inFlight = Array.from({ length: 3 }, () => {
      const body = multipartBody(BOUNDARY, [{ name: 'media', filename: 'big.jpg', contentType: 'image/jpeg', body: jpeg({ size: 6 * MB }) }]);
      const head = rawHead('POST', `/cgi-bin/media/upload?access_token=${encodeURIComponent(token)}&type=image`, {
        'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
        'Content-Length': body.length,
      });
      const pieces: Buffer[] = [];
      for (let i = 0; i < body.length; i += 128 * 1024) pieces.push(body.subarray(i, i + 128 * 1024));
      return rawRequest(port, [head, ...pieces], { pauseMs: 20, after: 'keep' });
    });
    await sleep(600);
    await a!.kill9();
    const replies = await Promise.all(inFlight);
    assert.deepEqual(replies, [undefined, undefined, undefined], 'the killed instance acknowledged none of them');

    const keys = await s3.keys(fleet.bucket);
    assert.deepEqual(
      keys.map((k) => k.split('/').pop()).sort(),
      acknowledged.map((m) => m.id).sort(),
      'the bucket holds exactly the acknowledged media',
    );
    const restarted = await fleet.restart(0);
    for (const server of [b!, restarted]) {
      for (const m of acknowledged) {
        const got = await getMedia(server.url, token, m.id);
        assert.ok(got.body.equals(m.bytes), `${m.id} whole on ${server.url}`);
      }
    }
    const listed = await fleet.admin(1, 'GET', '/media?limit=100');
    assert.equal((listed.json['media'] as unknown[]).length, acknowledged.length);
  });

  it('Redis stopped under running instances: -1 within a bounded time, /healthz 503, liveness up; restarted with its AOF: everything back', async () => {
    const [a, b] = fleet.instances;
    const token = await fetchToken(a!.url, APP!);
    const up = await uploadMedia(b!.url, token, { filename: 'before.png', bytes: png({ size: 10_000 }), contentType: 'image/png' });
    assert.equal(up.errcode, 0);
    // Past the instances' 1 s caches, so every request below needs Redis.
    await redis.stop();
    await sleep(1_100);
    for (const server of [a!, b!]) {
      assert.equal(await timed(() => getErrcode(server.url, token, up.media_id)), ERRCODES.SYSTEM_ERROR.errcode);
      const r = await timed(() => fetch(`${server.url}/cgi-bin/token?grant_type=client_credential&appid=${APP!.appid}&secret=${APP!.secret}`));
      assert.equal(r.status, 200);
      assert.equal(((await r.json()) as { errcode: number }).errcode, ERRCODES.SYSTEM_ERROR.errcode);
      const upload = await timed(() => uploadMedia(server.url, token, { filename: 'during.png', bytes: png({ size: 1000 }), contentType: 'image/png' }));
      assert.equal(upload.errcode, ERRCODES.SYSTEM_ERROR.errcode);
      const ready = await timed(() => health(server.url));
      assert.deepEqual(ready, { status: 503, body: { status: 'unavailable', stores: { blob: 'ok', state: 'unavailable' } } });
      assert.equal((await fetch(`${server.url}/healthz/live`)).status, 200);
    }

    await redis.start();
    for (const server of [a!, b!]) await eventually('readiness after Redis returned', async () => (await health(server.url)).status === 200);
    // The token from before the outage is still valid: Redis kept it in its AOF, and no instance restarted.
    for (const server of [a!, b!]) {
      const got = await getMedia(server.url, token, up.media_id!);
      assert.equal(got.status, 200);
      assert.equal(got.headers.get('content-type'), 'image/png');
    }
  });

  it('the bucket gone under running instances: -1 within a bounded time, /healthz 503; back: uploads and gets work again', async () => {
    const [a, b] = fleet.instances;
    const token = await fetchToken(a!.url, APP!);
    const up = await uploadMedia(a!.url, token, { filename: 'before.jpg', bytes: jpeg({ size: 50_000 }), contentType: 'image/jpeg' });
    assert.equal(up.errcode, 0);
    const stored = (await s3.keys(fleet.bucket)).length;
    await s3.stop();
    try {
      for (const server of [a!, b!]) {
        assert.equal(await timed(() => getErrcode(server.url, token, up.media_id)), ERRCODES.SYSTEM_ERROR.errcode);
        const upload = await timed(() => uploadMedia(server.url, token, { filename: 'during.jpg', bytes: jpeg({ size: 5_000 }), contentType: 'image/jpeg' }));
        assert.equal(upload.errcode, ERRCODES.SYSTEM_ERROR.errcode);
        assert.deepEqual(await timed(() => health(server.url)), { status: 503, body: { status: 'unavailable', stores: { blob: 'unavailable', state: 'ok' } } });
      }
    } finally {
      await s3.start();
    }
    for (const server of [a!, b!]) await eventually('readiness after the bucket returned', async () => (await health(server.url)).status === 200);
    for (const server of [a!, b!]) {
      assert.equal(await getErrcode(server.url, token, up.media_id), 0, 'the earlier media is served again');
      const again = await uploadMedia(server.url, token, { filename: 'after.jpg', bytes: jpeg({ size: 5_000 }), contentType: 'image/jpeg' });
      assert.equal(again.errcode, 0, JSON.stringify(again));
    }
    assert.equal((await s3.keys(fleet.bucket)).length, stored + 2, 'nothing of the failed uploads is in the bucket');
  });
});

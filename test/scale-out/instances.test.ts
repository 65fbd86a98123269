/**
 * Three `wxmedia serve` processes on one s3rver bucket and one Redis (both started here) are one service: media,
 * tokens, rotation, force_refresh, quotas and the time-travel clock agree across them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ERRCODES } from '@wxmedia/protocol';
import { jpeg, png } from '../helpers/images.ts';
import { redisServerMissing, startRedisServer, type LocalRedis } from '../helpers/redis-server.ts';
import { startS3rver, type LocalS3 } from '../helpers/s3rver.ts';
import { fetchToken, uploadMedia } from '../helpers/server.ts';
import { APP, getErrcode, stableToken, startFleet, type Fleet } from './fleet.ts';

const GET_QUOTA = 100;
const noRedis = redisServerMissing();

describe('three instances on one bucket and one Redis', { skip: noRedis?.skip ?? false }, () => {
  let s3: LocalS3;
  let redis: LocalRedis;
  let fleet: Fleet;
  before(async () => {
    s3 = await startS3rver();
    redis = await startRedisServer();
    fleet = await startFleet({
      instances: 3,
      stateStore: redis.url,
      s3,
      args: ['--time-travel'],
      config: { dailyQuotas: { '/cgi-bin/media/get': GET_QUOTA }, sweepIntervalSeconds: 1 },
    });
  });
  after(async () => {
    await fleet?.stop();
    await redis?.dispose();
    await s3?.dispose();
  });
  const urls = () => fleet.instances.map((s) => s.url);

  it('media uploaded on one is served, whole and by range, by every instance', async () => {
    const token = await fetchToken(urls()[0]!, APP!);
    const bytes = jpeg({ size: 300_000 });
    const up = await uploadMedia(urls()[1]!, token, { filename: 'shared.jpg', bytes, contentType: 'image/jpeg' });
    assert.equal(up.errcode, 0, JSON.stringify(up));
    for (const url of urls()) {
      const q = `access_token=${encodeURIComponent(token)}&media_id=${up.media_id}`;
      const whole = await fetch(`${url}/cgi-bin/media/get?${q}`);
      assert.equal(whole.headers.get('content-type'), 'image/jpeg');
      assert.ok(Buffer.from(await whole.arrayBuffer()).equals(bytes), `${url} serves the same bytes`);
      const head = await fetch(`${url}/cgi-bin/media/get?${q}`, { method: 'HEAD' });
      assert.equal(head.headers.get('content-length'), String(bytes.length));
      const part = await fetch(`${url}/cgi-bin/media/get?${q}`, { headers: { range: 'bytes=1000-1999' } });
      assert.equal(part.status, 206);
      assert.ok(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(1000, 2000)));
    }
    const listed = await fleet.admin(2, 'GET', '/media?limit=10');
    assert.ok((listed.json['media'] as { mediaId: string }[]).some((m) => m.mediaId === up.media_id), 'the admin listing of another instance has it');
  });

  it('a token issued by one is valid on all; a new one on any keeps the old one valid 300 s on every instance', async () => {
    // The clock as instance i tells it (GET /wxmedia/admin/clock), in Unix seconds.
    const clock = async (i: number) => {
      const { json } = await fleet.admin(i, 'GET', '/clock');
      return Math.floor((json['clock'] as { now: number }).now / 1000);
    };
    const first = await fetchToken(urls()[0]!, APP!);
    for (const url of urls()) assert.equal(await getErrcode(url, first), ERRCODES.INVALID_MEDIA_ID.errcode, `${url} accepts it`);
    // The clock runs on in real time, so "299 s after the rotation" is only known to hold when the steps below
    // took less than a second of it: measured each time, and tried again (a new rotation) when they did not.
    let checked = false;
    for (let attempt = 0; attempt < 5 && !checked; attempt++) {
      const old = await fetchToken(urls()[0]!, APP!);
      while (Date.now() % 1000 > 100) await sleep(10);
      const before = await clock(2);
      const fresh = await fetchToken(urls()[1]!, APP!);
      const rotatedBy = await clock(0);
      for (const url of urls()) {
        assert.equal(await getErrcode(url, fresh), ERRCODES.INVALID_MEDIA_ID.errcode, 'the new token works at once everywhere');
      }
      // The clock is one clock: moved on instance 2, it moves for all.
      await fleet.admin(2, 'POST', '/clock', { advance: 299 });
      const codes = await Promise.all(urls().map((url) => getErrcode(url, old)));
      if ((await clock(1)) - before > 299) continue;
      assert.deepEqual(codes, urls().map(() => ERRCODES.INVALID_MEDIA_ID.errcode), '299 s after the rotation the old token works everywhere');
      checked = true;
      // 300 s after the latest moment the rotation can have happened, the old token works nowhere.
      await fleet.admin(0, 'POST', '/clock', { advance: Math.max(0, rotatedBy + 300 - (await clock(0))) });
      for (const [i, url] of urls().entries()) {
        assert.equal(await getErrcode(url, old), ERRCODES.INVALID_CREDENTIAL.errcode, `instance ${i} at +300 s`);
        assert.equal(await getErrcode(url, fresh), ERRCODES.INVALID_MEDIA_ID.errcode);
      }
    }
    assert.ok(checked, 'the machine was too slow to check the 299th second five times in a row');
    const times = await Promise.all([0, 1, 2].map(clock));
    assert.ok(Math.max(...times) - Math.min(...times) <= 1, `every instance tells the same time: ${times.join(', ')}`);
  });

  it('force_refresh on one instance revokes the stable token on every instance within 1 s', async () => {
    const first = await stableToken(urls()[0]!);
    assert.ok(first.access_token, JSON.stringify(first));
    for (const url of urls()) {
      // The same stable token from every instance, and each one has now checked (and cached) it.
      assert.equal((await stableToken(url)).access_token, first.access_token);
      assert.equal(await getErrcode(url, first.access_token), ERRCODES.INVALID_MEDIA_ID.errcode);
    }
    const forced = await stableToken(urls()[2]!, true);
    assert.ok(forced.access_token && forced.access_token !== first.access_token, JSON.stringify(forced));
    await sleep(1_100);
    for (const url of urls()) {
      assert.equal(await getErrcode(url, first.access_token), ERRCODES.INVALID_CREDENTIAL.errcode, `${url} no longer accepts it`);
      assert.equal(await getErrcode(url, forced.access_token), ERRCODES.INVALID_MEDIA_ID.errcode);
      assert.equal((await stableToken(url)).access_token, forced.access_token, 'every instance hands out the new one');
    }
  });

  it('stable_token called on every instance at once when due: one new token for all', async () => {
    const before = await stableToken(urls()[0]!);
    // Past the point where a stable token is replaced (5 minutes before its 7200 s end).
    await fleet.admin(0, 'POST', '/clock', { advance: 6_960 });
    const replies = await Promise.all(urls().flatMap((url) => [stableToken(url), stableToken(url)]));
    const tokens = new Set(replies.map((r) => r.access_token));
    // On failure: which instance (two calls each) answered what, and how long each token had left.
    const seen = replies.map((r, i) => `${Math.floor(i / 2)}:${r.errcode ?? 'ok'}:${r.access_token === before.access_token ? 'old' : [...tokens].indexOf(r.access_token!)}:${r.expires_in}`);
    assert.equal(tokens.size, 1, `one token: ${seen.join(' ')}`);
    assert.ok(!tokens.has(before.access_token));
  });

  it('the daily quota is one exact counter: the limit-th call succeeds and every later one answers 45009, whichever instance', async () => {
    // A fresh app and day of its own: quota counters are per app and per Beijing day.
    const made = await fleet.admin(0, 'POST', '/apps', {});
    const app = { appid: String(made.json['appid']), secret: String(made.json['secret']) };
    const token = await fetchToken(urls()[1]!, app);
    const calls = Array.from({ length: GET_QUOTA + 15 }, (_, i) => getErrcode(urls()[i % 3]!, token));
    const codes = await Promise.all(calls);
    const spent = codes.filter((c) => c === ERRCODES.DAILY_QUOTA.errcode).length;
    assert.equal(spent, 15, `codes: ${JSON.stringify(codes)}`);
    assert.equal(codes.filter((c) => c === ERRCODES.INVALID_MEDIA_ID.errcode).length, GET_QUOTA);
    for (const url of urls()) assert.equal(await getErrcode(url, token), ERRCODES.DAILY_QUOTA.errcode);
    const status = await fetch(`${urls()[2]}/cgi-bin/openapi/quota/get?access_token=${encodeURIComponent(token)}`, {
      method: 'POST',
      body: JSON.stringify({ cgi_path: '/cgi-bin/media/get' }),
    });
    assert.deepEqual(((await status.json()) as { quota: unknown }).quota, { daily_limit: GET_QUOTA, used: GET_QUOTA, remain: 0 });
  });

  it('an app added on one instance works on the others at once, and its removal within 1 s', async () => {
    const made = await fleet.admin(1, 'POST', '/apps', { appid: 'wxfleetapp0000001', secret: 'fleet-app-secret-1' });
    assert.equal(made.status, 200);
    const app = { appid: 'wxfleetapp0000001', secret: 'fleet-app-secret-1' };
    const token = await fetchToken(urls()[2]!, app);
    assert.equal(await getErrcode(urls()[0]!, token), ERRCODES.INVALID_MEDIA_ID.errcode);
    const listed = await fleet.admin(0, 'GET', '/apps');
    assert.ok((listed.json['apps'] as { appid: string }[]).some((a) => a.appid === app.appid));
    assert.equal((await fleet.admin(2, 'DELETE', `/apps/${app.appid}`)).status, 200);
    await sleep(1_100);
    for (const url of urls()) assert.equal(await getErrcode(url, token), ERRCODES.INVALID_CREDENTIAL.errcode);
  });

  it('expired media are swept from the bucket by one instance', async () => {
    const token = await fetchToken(urls()[0]!, APP!);
    const up = await uploadMedia(urls()[0]!, token, { filename: 'old.png', bytes: png({ size: 5_000 }), contentType: 'image/png' });
    assert.equal(up.errcode, 0);
    assert.ok((await s3.keys(fleet.bucket)).some((k) => k.endsWith(up.media_id!)));
    await fleet.admin(0, 'POST', '/clock', { advance: 259_200 + 3_600 });
    const fresh = await fetchToken(urls()[0]!, APP!);
    assert.equal(await getErrcode(urls()[1]!, fresh, up.media_id), ERRCODES.INVALID_MEDIA_ID.errcode, 'expired at once');
    // The sweeper runs each second here (config below); the leader removes the bytes within a few of them.
    let left = true;
    for (let i = 0; i < 100 && left; i++) {
      await sleep(100);
      left = (await s3.keys(fleet.bucket)).some((k) => k.endsWith(up.media_id!));
    }
    assert.equal(left, false, 'the object is gone from the bucket');
  });
});

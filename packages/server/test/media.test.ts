import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ERRCODES, MEDIA_ID_PATTERN, MEDIA_TTL_SECONDS } from '@wxmedia/protocol';
import type { BlobStore } from '@wxmedia/server';
import { AMR, GIF_1X1, JPEG_MIN, OFFICIAL, OTHER, PNG_1X1, startFixture, type Fixture } from './fixture.ts';

describe('media upload and get', () => {
  let f: Fixture;
  let token: string;
  before(async () => {
    f = await startFixture();
    token = await f.token();
  });
  after(() => f.close());

  const get = (mediaId: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET', t = token) =>
    f.server.app.inject({ method, url: `/cgi-bin/media/get?access_token=${t}&media_id=${encodeURIComponent(mediaId)}`, headers });

  it('upload answers the page\'s shape: errcode 0, type, a 64-char media_id, an integer created_at', async () => {
    const body = await f.upload(token, PNG_1X1);
    assert.equal(body['errcode'], 0);
    assert.equal(body['errmsg'], 'ok');
    assert.equal(body['type'], 'image');
    assert.match(String(body['media_id']), MEDIA_ID_PATTERN);
    assert.equal(body['created_at'], Math.floor(f.clock.now() / 1000));
    assert.deepEqual(body['item'], []);
  });

  for (const [name, file, mime, ext] of [
    ['a.png', PNG_1X1, 'image/png', 'png'],
    ['b.JPEG', JPEG_MIN, 'image/jpeg', 'jpg'],
    ['c.gif', GIF_1X1, 'image/gif', 'gif'],
  ] as const) {
    it(`get returns ${name} byte-identical with WeChat's headers`, async () => {
      const { media_id } = (await f.upload(token, file, { filename: name })) as { media_id: string };
      const r = await get(media_id);
      assert.equal(r.statusCode, 200);
      assert.deepEqual(r.rawPayload, file);
      assert.equal(r.headers['content-type'], mime);
      assert.equal(r.headers['content-length'], String(file.length));
      assert.equal(r.headers['cache-control'], 'no-cache, must-revalidate');
      assert.equal(r.headers['content-disposition'], `attachment; filename="${media_id}.${ext}"`);
      assert.ok(r.raw.res.getHeaderNames().includes('content-disposition'));
    });
  }

  it('HEAD gives the same headers and no body; Range gives 206; past the end 416', async () => {
    const { media_id } = (await f.upload(token, PNG_1X1)) as { media_id: string };
    const head = await get(media_id, {}, 'HEAD');
    assert.equal(head.statusCode, 200);
    assert.equal(head.headers['content-length'], String(PNG_1X1.length));
    assert.equal(head.headers['content-type'], 'image/png');
    assert.equal(head.rawPayload.length, 0);
    const part = await get(media_id, { range: 'bytes=1-3' });
    assert.equal(part.statusCode, 206);
    assert.deepEqual(part.rawPayload, PNG_1X1.subarray(1, 4));
    assert.equal(part.headers['content-range'], `bytes 1-3/${PNG_1X1.length}`);
    const suffix = await get(media_id, { range: 'bytes=-4' });
    assert.deepEqual(suffix.rawPayload, PNG_1X1.subarray(-4));
    const beyond = await get(media_id, { range: `bytes=${PNG_1X1.length}-` });
    assert.equal(beyond.statusCode, 416);
    assert.equal(beyond.headers['content-range'], `bytes */${PNG_1X1.length}`);
    const multi = await get(media_id, { range: 'bytes=0-1,3-4' });
    assert.equal(multi.statusCode, 200, 'multi-range is ignored, whole file sent');
  });

  it('media errors are text/plain envelopes: 40007 for unknown, malformed and another app\'s ids', async () => {
    const { media_id } = (await f.upload(token, PNG_1X1)) as { media_id: string };
    const otherToken = await f.token(OTHER);
    for (const [id, t] of [[media_id, otherToken], ['x'.repeat(64), token], ['', token], ['../../etc/passwd', token]] as const) {
      const r = await get(id, {}, 'GET', t);
      assert.equal(r.statusCode, 200);
      assert.equal(r.headers['content-type'], 'text/plain');
      assert.equal(r.json<{ errcode: number }>().errcode, ERRCODES.INVALID_MEDIA_ID.errcode, id);
    }
  });

  it('a media_id expires at exactly created_at + 259 200 s, and the sweeper then removes its bytes', async () => {
    const expiring = await startFixture();
    try {
      const t = await expiring.token();
      const { media_id } = (await expiring.upload(t, PNG_1X1)) as { media_id: string };
      expiring.clock.advance(MEDIA_TTL_SECONDS - 1);
      const t2 = await expiring.token();
      const last = await expiring.server.app.inject({ url: `/cgi-bin/media/get?access_token=${t2}&media_id=${media_id}` });
      assert.deepEqual(last.rawPayload, PNG_1X1, 'readable in its last second');
      assert.equal(await expiring.server.sweepNow(), 0, 'not swept while readable');
      expiring.clock.advance(1);
      const gone = await expiring.server.app.inject({ url: `/cgi-bin/media/get?access_token=${t2}&media_id=${media_id}` });
      assert.equal(gone.json<{ errcode: number }>().errcode, ERRCODES.INVALID_MEDIA_ID.errcode);
      assert.equal(await expiring.server.sweepNow(), 1);
      const buckets = await readdir(join(expiring.dataDir, 'media')).catch(() => []);
      for (const b of buckets) assert.deepEqual(await readdir(join(expiring.dataDir, 'media', b)), []);
    } finally {
      await expiring.close();
    }
  });

  it('mini programs may upload images only (40004); official accounts also voice', async () => {
    assert.equal((await f.upload(token, AMR, { filename: 'v.amr', type: 'voice' }))['errcode'], ERRCODES.INVALID_MEDIA_TYPE.errcode);
    assert.equal((await f.upload(token, PNG_1X1, { type: '' }))['errcode'], ERRCODES.INVALID_MEDIA_TYPE.errcode);
    const official = await f.token(OFFICIAL);
    const voice = await f.upload(official, AMR, { filename: 'v.amr', type: 'voice' });
    assert.equal(voice['errcode'], 0);
    const r = await get(String(voice['media_id']), {}, 'GET', official);
    assert.equal(r.headers['content-type'], 'audio/amr');
    const thumb = await f.upload(official, JPEG_MIN, { filename: 't.jpg', type: 'thumb' });
    assert.match(String(thumb['thumb_media_id']), MEDIA_ID_PATTERN, 'thumb replies name the id thumb_media_id');
  });
});

describe('quotas', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({ dailyQuotas: { '/cgi-bin/media/upload': 2 } });
  });
  after(() => f.close());

  const post = (path: string, token: string, body: unknown) =>
    f.server.app.inject({ method: 'POST', url: `${path}?access_token=${token}`, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  it('spends the upload quota (45009), reports it, and clear_quota resets it', async () => {
    const token = await f.token();
    assert.equal((await f.upload(token, PNG_1X1))['errcode'], 0);
    assert.equal((await f.upload(token, PNG_1X1))['errcode'], 0);
    assert.equal((await f.upload(token, PNG_1X1))['errcode'], ERRCODES.DAILY_QUOTA.errcode);
    const status = (await post('/cgi-bin/openapi/quota/get', token, { cgi_path: '/cgi-bin/media/upload' })).json();
    assert.deepEqual(status, { errcode: 0, errmsg: 'ok', quota: { daily_limit: 2, used: 2, remain: 0 } });
    const cleared = await post('/cgi-bin/clear_quota', token, { appid: (await import('./fixture.ts')).APP.appid });
    assert.equal(cleared.json<{ errcode: number }>().errcode, 0);
    assert.equal((await f.upload(token, PNG_1X1))['errcode'], 0);
  });

  it('a JSON endpoint answers an empty body with 44002 and a body that is not a JSON object with 47001', async () => {
    const token = await f.token(OTHER);
    const raw = (payload: string) =>
      f.server.app.inject({ method: 'POST', url: `/cgi-bin/openapi/quota/get?access_token=${token}`, payload, headers: { 'content-type': 'application/json' } });
    assert.equal((await raw('')).json<{ errcode: number }>().errcode, ERRCODES.EMPTY_POST_DATA.errcode);
    for (const bad of ['{', 'cgi_path=/cgi-bin/token', '"/cgi-bin/token"', '[]']) {
      assert.equal((await raw(bad)).json<{ errcode: number }>().errcode, ERRCODES.DATA_FORMAT_ERROR.errcode, bad);
    }
  });

  it('quota/get: 76021 for an unknown cgi_path; clear_quota: 48001 for another app, 48006 past 10 a month', async () => {
    const token = await f.token(OTHER);
    assert.equal((await post('/cgi-bin/openapi/quota/get', token, { cgi_path: '/cgi-bin/nope' })).json<{ errcode: number }>().errcode, ERRCODES.CGI_PATH_NOT_FOUND.errcode);
    assert.equal((await post('/cgi-bin/openapi/quota/get', token, {})).json<{ errcode: number }>().errcode, ERRCODES.CGI_PATH_NOT_FOUND.errcode);
    const { APP } = await import('./fixture.ts');
    assert.equal((await post('/cgi-bin/clear_quota', token, { appid: APP.appid })).json<{ errcode: number }>().errcode, ERRCODES.API_UNAUTHORIZED.errcode);
    for (let i = 0; i < 10; i++) assert.equal((await post('/cgi-bin/clear_quota', token, { appid: OTHER.appid })).json<{ errcode: number }>().errcode, 0);
    assert.equal((await post('/cgi-bin/clear_quota', token, { appid: OTHER.appid })).json<{ errcode: number }>().errcode, ERRCODES.CLEAR_QUOTA_LIMIT.errcode);
  });
});

describe('a failing storage back end', () => {
  it('is answered with -1 system error, never a 500 or a stack trace, and the server goes on', async () => {
    const { FsBlobStore } = await import('@wxmedia/server');
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'wxmedia-broken-'));
    let broken = true;
    const real = new FsBlobStore({ dir });
    const eio = (what: string) => Object.assign(new Error(`EIO: i/o error, ${what} /secret/path`), { code: 'EIO' });
    // A back end whose disk is failing: writes and reads throw until it is mended.
    const flaky: BlobStore = {
      init: () => real.init(),
      ping: async () => (broken ? Promise.reject(eio('access')) : real.ping()),
      stage: async (...args) => (broken ? Promise.reject(eio('write')) : real.stage(...args)),
      size: (id) => real.size(id),
      open: async (...args) => (broken ? Promise.reject(eio('open')) : real.open(...args)),
      info: (id) => real.info(id),
      list: (o) => real.list(o),
      delete: (id) => real.delete(id),
      sweep: (t) => real.sweep(t),
      close: () => real.close(),
    };
    const f = await startFixture({ blobStore: flaky });
    try {
      const token = await f.token();
      const failed = await f.upload(token, PNG_1X1);
      assert.equal(failed['errcode'], ERRCODES.SYSTEM_ERROR.errcode);
      assert.doesNotMatch(JSON.stringify(failed), /EIO|secret\/path|at /, 'no internal detail reaches the client');
      broken = false;
      const { media_id } = (await f.upload(token, PNG_1X1)) as { media_id: string };
      broken = true;
      const r = await f.server.app.inject({ url: `/cgi-bin/media/get?access_token=${token}&media_id=${media_id}` });
      assert.equal(r.statusCode, 200);
      assert.equal(r.json<{ errcode: number }>().errcode, ERRCODES.SYSTEM_ERROR.errcode);
      assert.match(f.logs(), /internal error/, 'the failure is logged with its rid');
      broken = false;
      const ok = await f.server.app.inject({ url: `/cgi-bin/media/get?access_token=${token}&media_id=${media_id}` });
      assert.deepEqual(ok.rawPayload, PNG_1X1);
    } finally {
      await f.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('admin API', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture();
  });
  after(() => f.close());
  const auth = () => ({ authorization: `Bearer ${f.server.adminKey}` });

  it('lists, adds and removes apps behind the admin key; a new app gets tokens at once', async () => {
    assert.equal((await f.server.app.inject({ url: '/wxmedia/admin/apps' })).statusCode, 401);
    const made = (await f.server.app.inject({ method: 'POST', url: '/wxmedia/admin/apps', headers: auth(), payload: '{}' })).json<{ appid: string; secret: string }>();
    assert.match(made.appid, /^wx[0-9a-f]{16}$/);
    const token = await f.token(made);
    assert.equal((await f.upload(token, PNG_1X1))['errcode'], 0);
    const list = (await f.server.app.inject({ url: '/wxmedia/admin/apps', headers: auth() })).json<{ apps: { appid: string }[] }>();
    assert.ok(list.apps.some((a) => a.appid === made.appid));
    assert.ok(!JSON.stringify(list).includes(made.secret), 'secrets are never listed');
    const del = await f.server.app.inject({ method: 'DELETE', url: `/wxmedia/admin/apps/${made.appid}`, headers: auth() });
    assert.equal(del.statusCode, 200);
    const r = await f.server.app.inject({ url: `/cgi-bin/media/get?access_token=${token}&media_id=x` });
    assert.equal(r.json<{ errcode: number }>().errcode, ERRCODES.INVALID_CREDENTIAL.errcode, 'a removed app\'s token is refused');
  });
});

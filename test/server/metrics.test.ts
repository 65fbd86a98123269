/** GET /metrics: Prometheus text from prom-client, public / admin / off, and what each counter counts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStateStore } from '@wxmedia/server';
import { png } from '../helpers/images.ts';
import { sample } from '../helpers/metrics.ts';
import { APP, startServer } from '../helpers/server.ts';

const PNG_1X1 = png();

/** A state store whose increments fail while `failing` is set (a Redis gone away, say). */
class FlakyStateStore extends MemoryStateStore {
  failing = false;
  override async incr(key: string, options?: { by?: number; ttlMs?: number }): Promise<number> {
    if (this.failing) throw new Error('state store unreachable');
    return super.incr(key, options);
  }
}

describe('GET /metrics', () => {
  it('is public by default and counts calls, bytes, tokens, quota rejections, media stored and process metrics', async () => {
    const f = await startServer({ dailyQuotas: { '/cgi-bin/media/get': 2 } });
    try {
      const token = await f.token();
      const mediaId = String((await f.upload(token, PNG_1X1))['media_id']);
      await f.server.app.inject({ url: `/cgi-bin/media/get?access_token=${token}&media_id=${mediaId}` });
      await f.server.app.inject({ url: `/cgi-bin/media/get?access_token=${token}&media_id=nope` });
      await f.server.app.inject({ url: `/cgi-bin/media/get?access_token=${token}&media_id=${mediaId}` });
      const r = await f.server.app.inject({ url: '/metrics' });
      assert.equal(r.statusCode, 200);
      assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      const text = r.body;
      assert.equal(sample(text, 'wxmedia_requests_total', { api: '/cgi-bin/media/get', channel: 'https', errcode: '0' }), 1);
      assert.equal(sample(text, 'wxmedia_requests_total', { api: '/cgi-bin/media/get', channel: 'https', errcode: '40007' }), 1);
      assert.equal(sample(text, 'wxmedia_requests_total', { api: '/cgi-bin/media/get', channel: 'https', errcode: '45009' }), 1);
      assert.equal(sample(text, 'wxmedia_requests_total', { api: '/cgi-bin/media/upload', channel: 'https', errcode: '0' }), 1);
      assert.equal(sample(text, 'wxmedia_request_duration_seconds_count', { api: '/cgi-bin/media/get', channel: 'https' }), 3);
      assert.equal(sample(text, 'wxmedia_media_uploaded_bytes_total', { channel: 'https' }), PNG_1X1.length);
      assert.equal(sample(text, 'wxmedia_media_served_bytes_total', { channel: 'https' }), PNG_1X1.length);
      assert.equal(sample(text, 'wxmedia_tokens_issued_total', { lane: 'token' }), 1);
      assert.equal(sample(text, 'wxmedia_quota_rejections_total', { api: '/cgi-bin/media/get' }), 1);
      assert.equal(sample(text, 'wxmedia_media_stored'), 1);
      assert.equal(sample(text, 'wxmedia_media_stored_bytes'), PNG_1X1.length);
      assert.equal(sample(text, 'wxmedia_apps'), 3);
      assert.ok((sample(text, 'wxmedia_process_resident_memory_bytes') ?? 0) > 0, 'process metrics');
      assert.ok(!text.includes(token) && !text.includes(APP.appid) && !text.includes(mediaId), 'no token, appid or media id in the metrics');
    } finally {
      await f.stop();
    }
  });

  it('counts failed store operations, and the failing call answers -1', async () => {
    const state = new FlakyStateStore();
    const f = await startServer({ stateStore: state });
    try {
      const token = await f.token();
      state.failing = true;
      const r = await f.server.app.inject({ url: `/cgi-bin/media/get?access_token=${token}&media_id=x` });
      assert.equal(r.json<{ errcode: number }>().errcode, -1);
      state.failing = false;
      const text = (await f.server.app.inject({ url: '/metrics' })).body;
      assert.equal(sample(text, 'wxmedia_store_errors_total', { store: 'state', op: 'incr' }), 1);
    } finally {
      await f.stop();
    }
  });

  it('behind the admin key with metrics: admin; absent with metrics: off', async () => {
    const guarded = await startServer({ metrics: 'admin' });
    try {
      assert.equal((await guarded.server.app.inject({ url: '/metrics' })).statusCode, 401);
      const ok = await guarded.server.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${guarded.server.adminKey}` } });
      assert.equal(ok.statusCode, 200);
      assert.match(ok.body, /wxmedia_requests_total/);
    } finally {
      await guarded.stop();
    }
    const off = await startServer({ metrics: 'off' });
    try {
      const r = await off.server.app.inject({ url: '/metrics' });
      assert.equal(r.json<{ errcode: number }>().errcode, 40066);
    } finally {
      await off.stop();
    }
  });
});

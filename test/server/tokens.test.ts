import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ERRCODES, RID_PATTERN, TOKEN_OVERLAP_SECONDS, TOKEN_TTL_SECONDS, ridTime } from '@wxmedia/protocol';
import { LmdbStateStore, ManualClock } from '@wxmedia/server';
import { png } from '../helpers/images.ts';
import { BOUNDARY, multipartBody } from '../helpers/raw-http.ts';
import { APP, OTHER, startServer, type InProcessServer } from '../helpers/server.ts';

/** The token and stable_token endpoints, and every token error on an endpoint that takes one. */
describe('access tokens', () => {
  let f: InProcessServer;
  before(async () => {
    f = await startServer({ dailyQuotas: { '/cgi-bin/token': 50 } });
  });
  after(() => f.stop());

  const getToken = (query: string) => f.server.app.inject({ url: `/cgi-bin/token?${query}` });
  const stable = (body: unknown, raw?: string) =>
    f.server.app.inject({ method: 'POST', url: '/cgi-bin/stable_token', payload: raw ?? JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  /** A call that needs a token: media/get of a missing id answers 40007 once the token is good. */
  const useToken = async (token: string) => (await f.server.app.inject({ url: `/cgi-bin/media/get?access_token=${token}&media_id=x` })).json<{ errcode: number }>().errcode;
  const VALID = ERRCODES.INVALID_MEDIA_ID.errcode;

  it('issues {access_token, expires_in: 7200} as application/json; encoding=utf-8', async () => {
    const r = await getToken(`grant_type=client_credential&appid=${APP.appid}&secret=${APP.secret}`);
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-type'], 'application/json; encoding=utf-8');
    const body = r.json<{ access_token: string; expires_in: number }>();
    assert.deepEqual(Object.keys(body), ['access_token', 'expires_in']);
    assert.equal(body.expires_in, TOKEN_TTL_SECONDS);
    assert.match(body.access_token, /^[A-Za-z0-9_-]+$/);
  });

  it('answers each credential mistake with its own errcode, appid checked before secret', async () => {
    const cases: [string, number][] = [
      [`appid=${APP.appid}&secret=${APP.secret}`, ERRCODES.INVALID_GRANT_TYPE.errcode],
      [`grant_type=password&appid=${APP.appid}&secret=${APP.secret}`, ERRCODES.INVALID_GRANT_TYPE.errcode],
      [`grant_type=client_credential&secret=${APP.secret}`, ERRCODES.APPID_MISSING.errcode],
      [`grant_type=client_credential&appid=wxnobody&secret=wrong`, ERRCODES.INVALID_APPID.errcode],
      [`grant_type=client_credential&appid=${APP.appid}`, ERRCODES.APPSECRET_MISSING.errcode],
      [`grant_type=client_credential&appid=${APP.appid}&secret=${OTHER.secret}`, ERRCODES.INVALID_APPSECRET.errcode],
    ];
    for (const [query, errcode] of cases) {
      const r = await getToken(query);
      assert.equal(r.statusCode, 200);
      const body = r.json<{ errcode: number; errmsg: string }>();
      assert.equal(body.errcode, errcode, query);
      const rid = /rid: (.+)$/.exec(body.errmsg)?.[1] ?? '';
      assert.match(rid, RID_PATTERN);
      assert.equal(ridTime(rid), Math.floor(f.clock.now() / 1000), 'rid starts with the Unix time in hex');
    }
  });

  it('a new token replaces the previous one, which works for exactly 300 more seconds', async () => {
    const first = await f.token();
    assert.equal(await useToken(first), VALID);
    f.clock.advance(10);
    const second = await f.token();
    assert.notEqual(second, first);
    f.clock.advance(TOKEN_OVERLAP_SECONDS - 1);
    assert.equal(await useToken(first), VALID, 'still inside the overlap');
    f.clock.advance(1);
    assert.equal(await useToken(first), ERRCODES.INVALID_CREDENTIAL.errcode, 'overlap over');
    assert.equal(await useToken(second), VALID);
  });

  it('a token expires at exactly issued_at + 7200 (42001)', async () => {
    const token = await f.token(OTHER);
    f.clock.advance(TOKEN_TTL_SECONDS - 1);
    assert.equal(await useToken(token), VALID);
    f.clock.advance(1);
    assert.equal(await useToken(token), ERRCODES.ACCESS_TOKEN_EXPIRED.errcode);
  });

  it('tells missing (41001), malformed (40014) and forged (40001) tokens apart', async () => {
    const missing = await f.server.app.inject({ url: '/cgi-bin/media/get?media_id=x', headers: { authorization: 'Bearer abc' } });
    assert.equal(missing.json<{ errcode: number }>().errcode, ERRCODES.ACCESS_TOKEN_MISSING.errcode);
    assert.equal(await useToken('not a token!'), ERRCODES.INVALID_ACCESS_TOKEN.errcode);
    assert.equal(await useToken('abc'), ERRCODES.INVALID_ACCESS_TOKEN.errcode);
    const good = await f.token();
    const last = good.at(-2) === 'A' ? 'B' : 'A';
    const forged = `${good.slice(0, -2)}${last}${good.at(-1)}`;
    assert.equal(await useToken(forged), ERRCODES.INVALID_CREDENTIAL.errcode);
  });

  it('counts token calls against the daily quota (45009)', async () => {
    const limited = await startServer({ dailyQuotas: { '/cgi-bin/token': 2 } });
    try {
      await limited.token();
      await limited.token();
      const r = await limited.server.app.inject({ url: `/cgi-bin/token?grant_type=client_credential&appid=${APP.appid}&secret=${APP.secret}` });
      assert.equal(r.json<{ errcode: number }>().errcode, ERRCODES.DAILY_QUOTA.errcode);
      // The next Beijing day brings a fresh quota.
      limited.clock.advance(86_400);
      await limited.token();
    } finally {
      await limited.stop();
    }
  });

  describe('stable_token', () => {
    const creds = { grant_type: 'client_credential', appid: OTHER.appid, secret: OTHER.secret };

    it('returns the same token with its remaining lifetime, independent of /cgi-bin/token', async () => {
      const a = (await stable(creds)).json<{ access_token: string; expires_in: number }>();
      assert.equal(a.expires_in, TOKEN_TTL_SECONDS);
      f.clock.advance(100);
      await f.token(OTHER); // must not disturb the stable token
      const b = (await stable(creds)).json<{ access_token: string; expires_in: number }>();
      assert.equal(b.access_token, a.access_token);
      assert.equal(b.expires_in, TOKEN_TTL_SECONDS - 100);
      assert.equal(await useToken(a.access_token), VALID);
    });

    it('rotates 5 minutes before expiry, old and new overlapping until the old one expires', async () => {
      const a = (await stable(creds)).json<{ access_token: string; expires_in: number }>();
      f.clock.advance(a.expires_in - TOKEN_OVERLAP_SECONDS - 1);
      const same = (await stable(creds)).json<{ access_token: string; expires_in: number }>();
      assert.equal(same.access_token, a.access_token);
      assert.equal(same.expires_in, TOKEN_OVERLAP_SECONDS + 1);
      f.clock.advance(1);
      const next = (await stable(creds)).json<{ access_token: string; expires_in: number }>();
      assert.notEqual(next.access_token, a.access_token);
      assert.equal(next.expires_in, TOKEN_TTL_SECONDS);
      assert.equal(await useToken(a.access_token), VALID, 'old token still inside its lifetime');
      f.clock.advance(TOKEN_OVERLAP_SECONDS);
      assert.equal(await useToken(a.access_token), ERRCODES.ACCESS_TOKEN_EXPIRED.errcode);
      assert.equal(await useToken(next.access_token), VALID);
    });

    it('force_refresh revokes the old token at once, 30 s apart (45011) and 20 a day (45009)', async () => {
      const old = (await stable(creds)).json<{ access_token: string }>().access_token;
      const forced = (await stable({ ...creds, force_refresh: true })).json<{ access_token: string; expires_in: number }>();
      assert.notEqual(forced.access_token, old);
      assert.equal(forced.expires_in, TOKEN_TTL_SECONDS);
      assert.equal(await useToken(old), ERRCODES.INVALID_CREDENTIAL.errcode);
      assert.equal(await useToken(forced.access_token), VALID);
      const tooSoon = (await stable({ ...creds, force_refresh: true })).json<{ errcode: number }>();
      assert.equal(tooSoon.errcode, ERRCODES.MINUTE_QUOTA.errcode);
      for (let i = 1; i < 20; i++) {
        f.clock.advance(30);
        const r = (await stable({ ...creds, force_refresh: true })).json<{ access_token?: string; errcode?: number }>();
        assert.ok(r.access_token, `force_refresh ${i + 1} of 20: ${JSON.stringify(r)}`);
      }
      f.clock.advance(30);
      const over = (await stable({ ...creds, force_refresh: true })).json<{ errcode: number }>();
      assert.equal(over.errcode, ERRCODES.DAILY_QUOTA.errcode);
    });

    it('answers GET, an empty body and a non-JSON body with 43002', async () => {
      const get = await f.server.app.inject({ url: '/cgi-bin/stable_token' });
      assert.equal(get.json<{ errcode: number }>().errcode, ERRCODES.REQUIRE_POST.errcode);
      for (const raw of ['', 'grant_type=client_credential', '[1,2]', '{"broken"']) {
        assert.equal((await stable(undefined, raw)).json<{ errcode: number }>().errcode, ERRCODES.REQUIRE_POST.errcode, JSON.stringify(raw));
      }
      const badForce = await stable({ ...creds, force_refresh: 'yes' });
      assert.equal(badForce.json<{ errcode: number }>().errcode, ERRCODES.DATA_FORMAT_ERROR.errcode);
      const badSecret = await stable({ ...creds, secret: 'nope' });
      assert.equal(badSecret.json<{ errcode: number }>().errcode, ERRCODES.INVALID_APPSECRET.errcode);
    });
  });

  it('never writes a token or a secret into the log', async () => {
    const token = await f.token();
    const body = multipartBody(BOUNDARY, [{ name: 'media', filename: 'a.png', body: png() }]);
    await f.server.app.inject({ method: 'POST', url: `/cgi-bin/media/upload?access_token=${token}&type=image`, headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, payload: body });
    await f.server.app.inject({ url: `/cgi-bin/token?grant_type=client_credential&appid=${APP.appid}&secret=${APP.secret}` });
    const logs = f.logs();
    assert.ok(logs.includes('access_token=[REDACTED]'), 'requests are logged, redacted');
    assert.ok(!logs.includes(token), 'token leaked into the log');
    assert.ok(!logs.includes(APP.secret), 'secret leaked into the log');
  });
});

/**
 * force_refresh is limited to one per 30 s per app (45011). Two instances sharing one state store must keep that
 * limit between them: of refreshes sent to both at the same moment, exactly one succeeds.
 */
describe('force_refresh on two instances sharing one state store', () => {
  let dir: string;
  let state: LmdbStateStore;
  let a: InProcessServer;
  let b: InProcessServer;
  const clock = new ManualClock(Date.UTC(2026, 10, 22, 4, 0, 1));
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wxmedia-force-'));
    state = new LmdbStateStore({ path: join(dir, 'state') });
    a = await startServer({ clock, stateStore: state });
    b = await startServer({ clock, stateStore: state });
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await state?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const force = (s: InProcessServer) =>
    s.server.app
      .inject({ method: 'POST', url: '/cgi-bin/stable_token', payload: JSON.stringify({ grant_type: 'client_credential', appid: APP.appid, secret: APP.secret, force_refresh: true }) })
      .then((r) => r.json<{ access_token?: string; errcode?: number }>());

  it('lets exactly one of concurrent refreshes through, the rest answer 45011', async () => {
    for (let round = 0; round < 3; round++) {
      const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => force(i % 2 ? a : b)));
      const granted = replies.filter((r) => typeof r.access_token === 'string');
      assert.equal(granted.length, 1, `round ${round}: ${JSON.stringify(replies)}`);
      assert.equal(replies.filter((r) => r.errcode === ERRCODES.MINUTE_QUOTA.errcode).length, 7);
      clock.advance(30);
    }
  });
});

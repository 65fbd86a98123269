import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ERRCODES } from '@wxmedia/protocol';
import { png } from '../helpers/images.ts';
import { APP, OTHER, startServer, type InProcessServer } from '../helpers/server.ts';

/** Daily quotas, quota/get and clear_quota through the HTTPS API. */
const PNG_1X1 = png();

describe('quotas', () => {
  let f: InProcessServer;
  before(async () => {
    f = await startServer({ dailyQuotas: { '/cgi-bin/media/upload': 2 } });
  });
  after(() => f.stop());

  const post = (path: string, token: string, body: unknown) =>
    f.server.app.inject({ method: 'POST', url: `${path}?access_token=${token}`, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  it('spends the upload quota (45009), reports it, and clear_quota resets it', async () => {
    const token = await f.token();
    assert.equal((await f.upload(token, PNG_1X1))['errcode'], 0);
    assert.equal((await f.upload(token, PNG_1X1))['errcode'], 0);
    assert.equal((await f.upload(token, PNG_1X1))['errcode'], ERRCODES.DAILY_QUOTA.errcode);
    const status = (await post('/cgi-bin/openapi/quota/get', token, { cgi_path: '/cgi-bin/media/upload' })).json();
    assert.deepEqual(status, { errcode: 0, errmsg: 'ok', quota: { daily_limit: 2, used: 2, remain: 0 } });
    const cleared = await post('/cgi-bin/clear_quota', token, { appid: APP.appid });
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
    assert.equal((await post('/cgi-bin/clear_quota', token, { appid: APP.appid })).json<{ errcode: number }>().errcode, ERRCODES.API_UNAUTHORIZED.errcode);
    for (let i = 0; i < 10; i++) assert.equal((await post('/cgi-bin/clear_quota', token, { appid: OTHER.appid })).json<{ errcode: number }>().errcode, 0);
    assert.equal((await post('/cgi-bin/clear_quota', token, { appid: OTHER.appid })).json<{ errcode: number }>().errcode, ERRCODES.CLEAR_QUOTA_LIMIT.errcode);
  });
});


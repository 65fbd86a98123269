import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { ADMIN_ERRORS, APPID_RULE, ERRCODES, RID_PATTERN } from '@wxmedia/protocol';
import { png } from '../helpers/images.ts';
import { OTHER, startServer, type InProcessServer } from '../helpers/server.ts';

/** wxmedia's own admin API (ADMIN_PATHS): the apps it manages, and its errors (ADMIN_ERRORS). */
const PNG_1X1 = png();

describe('admin API', () => {
  let f: InProcessServer;
  before(async () => {
    f = await startServer();
  });
  after(() => f.stop());
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

  it('answers every failure from ADMIN_ERRORS: its HTTP status (also as errcode), its code, its message and the rid', async () => {
    const cases: [string, InjectOptions, keyof typeof ADMIN_ERRORS, RegExp][] = [
      ['no key', { url: '/wxmedia/admin/apps' }, 'UNAUTHORIZED', /^admin key missing or wrong/],
      ['not JSON', { method: 'POST', url: '/wxmedia/admin/apps', headers: auth(), payload: '[1]' }, 'BODY_NOT_OBJECT', /^body must be a JSON object \{appid\?, secret\?, kind\?\}/],
      ['bad appid', { method: 'POST', url: '/wxmedia/admin/apps', headers: auth(), payload: '{"appid":"no spaces"}' }, 'INVALID_APP', new RegExp(`^appid must be ${APPID_RULE.replace(/[[\]]/g, '\\$&')}`)],
      ['short secret', { method: 'POST', url: '/wxmedia/admin/apps', headers: auth(), payload: '{"secret":"short"}' }, 'INVALID_APP', /^secret must be/],
      ['bad kind', { method: 'POST', url: '/wxmedia/admin/apps', headers: auth(), payload: '{"kind":"game"}' }, 'INVALID_APP', /^kind must be "miniprogram" or "official"/],
      ['existing appid', { method: 'POST', url: '/wxmedia/admin/apps', headers: auth(), payload: JSON.stringify({ appid: OTHER.appid }) }, 'APP_EXISTS', new RegExp(`^app ${OTHER.appid} exists`)],
      ['unknown app', { method: 'DELETE', url: '/wxmedia/admin/apps/wxnobody', headers: auth() }, 'APP_NOT_FOUND', /^no app wxnobody/],
      ['time travel off', { method: 'POST', url: '/wxmedia/admin/clock', headers: auth(), payload: '{"advance":1}' }, 'TIME_TRAVEL_OFF', /^time travel is off/],
    ];
    for (const [what, request, code, message] of cases) {
      const r = await f.server.app.inject(request);
      const { status } = ADMIN_ERRORS[code];
      assert.equal(r.statusCode, status, what);
      assert.equal(r.headers['content-type'], 'application/json; charset=utf-8', what);
      const body = r.json<{ errcode: number; errmsg: string; code: string }>();
      assert.equal(body.errcode, status, what);
      assert.equal(body.code, code, what);
      assert.match(body.errmsg, message, what);
      assert.match(body.errmsg.split(' rid: ')[1] ?? '', RID_PATTERN, what);
    }
  });
});

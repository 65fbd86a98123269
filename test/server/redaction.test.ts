/**
 * Secrets, tokens and the admin key never reach the log, however the request spells their parameter names: the
 * server's router decodes percent-encoded names (so it accepts `%73ecret` and `access%5Ftoken`), and redaction
 * judges names the same way. Spellings the router does not accept as credentials (`ACCESS_TOKEN`, `secret[]`)
 * still carry one, and are redacted too.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERRCODES, REDACTED, ridOfErrmsg, type CallRecord } from '@wxmedia/protocol';
import { serverWithLog } from '../helpers/log-capture.ts';
import { rawHead, rawRequest } from '../helpers/raw-http.ts';
import { TEST_APPS } from '../helpers/server.ts';

const APP = TEST_APPS[0];
const f = serverWithLog();
const log = f.log;

/** Every way a value could show up in a log line: as sent, decoded, or in pieces long enough to matter. */
function assertNotLogged(value: string, what: string): void {
  const text = log.text();
  for (const form of [value, encodeURIComponent(value), value.slice(0, 12), value.slice(-12)]) {
    assert.ok(!text.includes(form), `${what} (${form}) appears in the log`);
  }
}

async function get(target: string, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const res = await rawRequest(f.server.port, [rawHead('GET', target, headers)]);
  assert.ok(res, `an answer to ${target}`);
  return res.json();
}

/** `%XX` for every character of `text`: a spelling no redaction by pattern would recognise. */
function encodeAll(text: string): string {
  return [...Buffer.from(text)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

describe('redaction of credentials in the access log', () => {
  it('token requests: every spelling of `secret` the router accepts is accepted, and none is logged', async () => {
    const base = `/cgi-bin/token?grant_type=client_credential&appid=${APP.appid}`;
    const accepted = ['secret', '%73ecret', 'secre%74', encodeAll('secret'), '%73%65%63%72%65%74'];
    for (const name of accepted) {
      const body = await get(`${base}&${name}=${APP.secret}`);
      assert.equal(typeof body['access_token'], 'string', `${name}= is read as the secret: ${JSON.stringify(body)}`);
    }
    // The value percent-encoded, and a repeated name (the first value counts).
    assert.equal(typeof (await get(`${base}&secret=${encodeAll(APP.secret)}`))['access_token'], 'string');
    assert.equal(typeof (await get(`${base}&secret=${APP.secret}&secret=other`))['access_token'], 'string');
    // Spellings the router does not take for `secret`: 41004, and the value still never logged.
    for (const name of ['SECRET', 'Secret', 'secret[]', 'secret%5B%5D', '%2573ecret', 'secret+', 'app_secret']) {
      const body = await get(`${base}&${name}=${APP.secret}`);
      assert.equal(body['errcode'], ERRCODES.APPSECRET_MISSING.errcode, `${name}= is not the secret: ${JSON.stringify(body)}`);
    }
    assertNotLogged(APP.secret, 'the app secret');
  });

  it('media requests: every spelling of `access_token`, accepted or not, is kept out of the log', async () => {
    const accepted = ['access_token', 'access%5Ftoken', 'access%5ftoken', '%61ccess_token', encodeAll('access_token')];
    for (const name of accepted) {
      const body = await get(`/cgi-bin/media/get?${name}=${f.token}&media_id=nope`);
      assert.equal(body['errcode'], ERRCODES.INVALID_MEDIA_ID.errcode, `${name}= is read as the token: ${JSON.stringify(body)}`);
    }
    assert.equal((await get(`/cgi-bin/media/get?access_token=${encodeAll(f.token)}&media_id=nope`))['errcode'], ERRCODES.INVALID_MEDIA_ID.errcode);
    assert.equal((await get(`/cgi-bin/media/get?access_token=${f.token}&access_token=x&media_id=nope`))['errcode'], ERRCODES.INVALID_MEDIA_ID.errcode);
    for (const name of ['ACCESS_TOKEN', 'access_token[]', 'access_token%5B%5D', 'access_token[0]', 'accessToken', 'token']) {
      const body = await get(`/cgi-bin/media/get?${name}=${f.token}&media_id=nope`);
      assert.equal(body['errcode'], ERRCODES.ACCESS_TOKEN_MISSING.errcode, `${name}= is not the token: ${JSON.stringify(body)}`);
    }
    // After a `#`, which starts the router's query string too, and in an absolute-form request target.
    await get(`/cgi-bin/media/get#x&access_token=${f.token}`);
    await get(`http://127.0.0.1/cgi-bin/media/get?access_token=${f.token}&media_id=nope`);
    // On a path that does not exist (its query may start at `#` too), and with a method no route takes.
    await get(`/cgi-bin/nope?access_token=${f.token}`);
    await get(`/cgi-bin/nope#access_token=${f.token}`);
    await get(`/cgi-bin/nope#x?access%5Ftoken=${f.token}`);
    const connect = await rawRequest(f.server.port, [`CONNECT /cgi-bin/token?access_token=${f.token} HTTP/1.1\r\nHost: x\r\n\r\n`]);
    assert.equal(connect?.status, 405);
    assertNotLogged(f.token, 'the access token');
  });

  it('the admin key sent as ?key= (the API reads it only from Authorization) is not logged', async () => {
    const key = f.server.server.adminKey;
    for (const name of ['key', 'KEY', 'admin_key', '%6bey', 'key[]']) {
      const res = await rawRequest(f.server.port, [rawHead('GET', `/wxmedia/admin/apps?${name}=${key}`)]);
      assert.equal(res?.status, 401, `${name}= is not how the admin key is given`);
    }
    const ok = await rawRequest(f.server.port, [rawHead('GET', `/wxmedia/admin/apps?key=${key}`, { Authorization: `Bearer ${key}` })]);
    assert.equal(ok?.status, 200);
    assertNotLogged(key, 'the admin key');
  });

  it('the calls record, read after the calls were made, shows none of the credentials sent', async () => {
    // The record keeps each call's query and headers as they came and redacts them when read: this reads it
    // after the fact, as a user looking a rid up does, through the listing and the lookup by rid.
    const cookie = 'session-cookie-value-0123456789';
    const failed = await get(`/cgi-bin/media/get?access_token=${f.token}&media_id=nope`, { Cookie: `sid=${cookie}`, 'X-Api-Key': cookie });
    const rid = ridOfErrmsg(String(failed['errmsg']))!;
    const authorization = { Authorization: `Bearer ${f.server.server.adminKey}` };
    const listing = await rawRequest(f.server.port, [rawHead('GET', '/wxmedia/admin/calls?limit=1000', authorization)]);
    const one = await rawRequest(f.server.port, [rawHead('GET', `/wxmedia/admin/calls/${rid}`, authorization)]);
    assert.equal(listing?.status, 200);
    assert.equal(one?.status, 200);
    const calls = listing.json()['calls'] as CallRecord[];
    assert.ok(calls.length > 20, 'the calls made above are in the record');
    const call = one.json()['call'] as CallRecord;
    assert.equal(call.query['access_token'], REDACTED);
    assert.equal(call.query['media_id'], 'nope');
    assert.equal(call.headers['cookie'], REDACTED);
    assert.equal(call.headers['x-api-key'], REDACTED);
    assert.ok(calls.some((c) => c.query['%73ecret'] === REDACTED || c.query['secret'] === REDACTED), 'the secrets sent to /cgi-bin/token');
    for (const text of [listing.body.toString('utf8'), one.body.toString('utf8')]) {
      for (const [value, what] of [[APP.secret, 'the app secret'], [f.token, 'the access token'], [cookie, 'the cookie']] as const) {
        for (const form of [value, encodeURIComponent(value), value.slice(0, 12), value.slice(-12)]) {
          assert.ok(!text.includes(form), `${what} (${form}) appears in the calls record`);
        }
      }
    }
  });

  it('every request above was logged, with its redacted URL', () => {
    const urls = log
      .lines()
      .filter((l) => l.msg === 'request')
      .map((l) => String(l['url']));
    assert.ok(urls.some((u) => u === `/cgi-bin/token?grant_type=client_credential&appid=${APP.appid}&%73ecret=[REDACTED]`), urls.join('\n'));
    assert.ok(urls.some((u) => u === '/cgi-bin/media/get?access%5Ftoken=[REDACTED]&media_id=nope'));
    assert.ok(urls.some((u) => u === '/wxmedia/admin/apps?key[]=[REDACTED]'));
  });
});

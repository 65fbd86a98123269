/**
 * What clients get wrong is answered as theirs, and logged as theirs: error level is kept for the server's own
 * faults, so monitoring that pages on it never pages on a client's network or a client's odd headers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERRCODES } from '@wxmedia/protocol';
import { jpeg } from '../helpers/images.ts';
import { LEVEL, serverWithLog } from '../helpers/log-capture.ts';
import { BOUNDARY, multipartBody, rawAbort, rawHead, rawRequest } from '../helpers/raw-http.ts';
import { TEST_APPS, uploadMedia } from '../helpers/server.ts';

const f = serverWithLog();
const log = f.log;
const uploadTarget = () => `/cgi-bin/media/upload?access_token=${encodeURIComponent(f.token)}&type=image`;

/** No line at error level or above since `mark` (an index into the log's lines). */
function assertNoErrorsSince(mark: number): void {
  const bad = log
    .lines()
    .slice(mark)
    .filter((l) => l.level >= LEVEL.error);
  assert.deepEqual(bad, [], 'no error-level line for a client fault');
}

async function waitFor(what: string, predicate: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('a Content-Type that is not a media type', () => {
  it('on upload: 41005, like any body without a media part (not -1, no stack trace)', async () => {
    const mark = log.lines().length;
    const body = multipartBody(BOUNDARY, [{ name: 'media', filename: 'a.jpg', contentType: 'image/jpeg', body: jpeg() }]);
    for (const type of ['', ' ', ';', '/', 'multipart', '; boundary=x', 'undefined', 'multipart/', '/form-data; boundary=x']) {
      const res = await rawRequest(f.server.port, [rawHead('POST', uploadTarget(), { 'Content-Type': type, 'Content-Length': body.length }), body]);
      assert.equal(res?.status, 200, `Content-Type "${type}"`);
      assert.equal(res.json()['errcode'], ERRCODES.MEDIA_DATA_MISSING.errcode, `Content-Type "${type}": ${res.body}`);
    }
    // WeChat's order of checks still holds: a bad token is reported before the body's type.
    const res = await rawRequest(f.server.port, [rawHead('POST', '/cgi-bin/media/upload?access_token=nope&type=image', { 'Content-Type': '', 'Content-Length': body.length }), body]);
    assert.equal(res?.json()['errcode'], ERRCODES.INVALID_ACCESS_TOKEN.errcode);
    assertNoErrorsSince(mark);
    assert.ok(!log.text().includes('Unsupported Media Type'));
  });

  it('on JSON endpoints the body is read as it is: an empty Content-Type does not stop a stable_token', async () => {
    const app = TEST_APPS[0];
    const body = JSON.stringify({ grant_type: 'client_credential', appid: app.appid, secret: app.secret });
    const res = await rawRequest(f.server.port, [rawHead('POST', '/cgi-bin/stable_token', { 'Content-Type': '', 'Content-Length': Buffer.byteLength(body) }), body]);
    assert.equal(typeof res?.json()['access_token'], 'string', res?.body.toString());
  });
});

describe('a client that goes away mid-request', () => {
  it('mid-upload, mid-JSON body and mid-download: logged at info as what it is, nothing stored, server up', async () => {
    const mark = log.lines().length;
    const file = multipartBody(BOUNDARY, [{ name: 'media', filename: 'a.jpg', contentType: 'image/jpeg', body: jpeg({ size: 300_000 }) }]);
    const uploadHead = rawHead('POST', uploadTarget(), { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Content-Length': file.length });
    await Promise.all(Array.from({ length: 8 }, () => rawAbort(f.server.port, [uploadHead, file.subarray(0, 100_000)], 20)));
    await rawAbort(f.server.port, [rawHead('POST', '/cgi-bin/stable_token', { 'Content-Length': 500 }), '{"grant_type":'], 20);
    const admin = { Authorization: `Bearer ${f.server.server.adminKey}`, 'Content-Length': 500 };
    await rawAbort(f.server.port, [rawHead('POST', '/wxmedia/admin/apps', admin), '{"appid":'], 20);
    await rawAbort(f.server.port, [rawHead('POST', `/admin?env=${TEST_APPS[0].appid}`, { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Content-Length': 5000 }), `--${BOUNDARY}\r\n`], 20);

    // A large download the client stops reading and resets.
    const big = jpeg({ size: 3_000_000 });
    const uploaded = await uploadMedia(f.server.url, f.token, { filename: 'big.jpg', bytes: big });
    assert.equal(uploaded.errcode, 0);
    await rawAbort(f.server.port, [rawHead('GET', `/cgi-bin/media/get?access_token=${encodeURIComponent(f.token)}&media_id=${uploaded.media_id}`)], 50);

    // The eight uploads and the two JSON bodies were being read by a route; the download's reset is the HTTP layer's.
    await waitFor('the aborted requests to be logged', () => log.lines().slice(mark).filter((l) => l.msg === 'client went away before the reply').length >= 10);
    await waitFor('staging to empty', async () => (await f.server.leftovers()).length === 0);
    assertNoErrorsSince(mark);
    const health = await fetch(`${f.server.url}/healthz`);
    assert.equal(health.status, 200);
    await health.arrayBuffer();
  });
});

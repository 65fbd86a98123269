import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ERRCODES } from '@wxmedia/protocol';
import { ManualClock } from './clock.ts';
import { startTestServer } from './test-server.ts';

async function token(url: string, app: { appid: string; secret: string }): Promise<string> {
  const q = new URLSearchParams({ grant_type: 'client_credential', appid: app.appid, secret: app.secret });
  const body = (await (await fetch(`${url}/cgi-bin/token?${q}`)).json()) as { access_token?: string };
  assert.ok(body.access_token, JSON.stringify(body));
  return body.access_token;
}

async function errcodeOfGet(url: string, accessToken: string): Promise<number> {
  const q = new URLSearchParams({ access_token: accessToken, media_id: 'A'.repeat(64) });
  return ((await (await fetch(`${url}/cgi-bin/media/get?${q}`)).json()) as { errcode: number }).errcode;
}

describe('startTestServer', () => {
  it('serves a generated app on a free port, moves its clock, and removes its data directory on close', async () => {
    const wechat = await startTestServer();
    assert.match(wechat.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(wechat.apps.length, 1);
    // As docs/testing.md destructures it: `apps` always holds at least one app, and its type says so.
    const [{ appid, secret }] = wechat.apps;
    const t = await token(wechat.url, { appid, secret });
    assert.equal(await errcodeOfGet(wechat.url, t), ERRCODES.INVALID_MEDIA_ID.errcode, 'the token works');
    wechat.advanceClock(7200);
    assert.equal(await errcodeOfGet(wechat.url, t), ERRCODES.ACCESS_TOKEN_EXPIRED.errcode, '7200 s later it has expired');
    assert.throws(() => wechat.advanceClock(-1), RangeError);
    await wechat.close();
    await wechat.close(); // a second close is harmless
    await assert.rejects(fetch(`${wechat.url}/healthz`), 'closed');
    await assert.rejects(stat(wechat.dataDir), { code: 'ENOENT' }, 'its data directory is gone');
  });

  it('serves the apps given, on a ManualClock that stands still until told', async () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 1));
    const given = { appid: 'wxtestserver0001', secret: 'test-server-secret-1' };
    const wechat = await startTestServer({ apps: [given], clock });
    try {
      assert.deepEqual(wechat.apps, [{ ...given, kind: 'miniprogram' }]);
      const t = await token(wechat.url, given);
      wechat.advanceClock(7199);
      assert.equal(await errcodeOfGet(wechat.url, t), ERRCODES.INVALID_MEDIA_ID.errcode, 'one second before expiry');
      wechat.advanceClock(1);
      assert.equal(await errcodeOfGet(wechat.url, t), ERRCODES.ACCESS_TOKEN_EXPIRED.errcode, 'exactly at expiry');
      assert.equal(clock.now(), Date.UTC(2030, 0, 1) + 7200_000);
    } finally {
      await wechat.close();
    }
  });

  it('keeps a data directory it was given', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wxmedia-given-'));
    const wechat = await startTestServer({ dataDir: dir });
    assert.equal(wechat.dataDir, dir);
    await wechat.close();
    assert.ok((await stat(join(dir, 'admin.key'))).isFile());
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a clock it cannot move, saying which clock would do', async () => {
    const wechat = await startTestServer({ clock: { now: () => Date.now() } });
    try {
      assert.throws(() => wechat.advanceClock(1), /ManualClock/);
    } finally {
      await wechat.close();
    }
  });
});

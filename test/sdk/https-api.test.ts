// The HTTPS face's token and quota calls against a real server: wire shapes as WeChat's pages (docs/wechat-api.md)
// give them, and the WeChat errors they raise.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ERRCODES, PATHS, TOKEN_TTL_SECONDS } from '@wxmedia/protocol';
import { WeChatClient, WeChatError } from '@wxmedia/sdk';
import { APP, startServer, type RunningServer } from './fixtures/server.ts';
import { pngBytes } from './fixtures/media.ts';

let srv: RunningServer;
let client: WeChatClient;

before(async () => {
  srv = await startServer();
  client = new WeChatClient({ ...APP, baseUrl: srv.url });
});
after(async () => {
  await client.close();
  await srv.stop();
});

describe('token and quota endpoints', () => {
  test('getStableAccessToken returns the same token until forced; force_refresh mints another', async () => {
    const a = await client.https.getStableAccessToken();
    const b = await client.https.getStableAccessToken();
    assert.deepEqual(Object.keys(a).sort(), ['access_token', 'expires_in']);
    assert.equal(a.access_token, b.access_token);
    assert.ok(a.expires_in > 0 && a.expires_in <= TOKEN_TTL_SECONDS);
    const forced = await client.https.getStableAccessToken({ force_refresh: true });
    assert.notEqual(forced.access_token, a.access_token);
  });

  test('getAccessToken mints a new token each call', async () => {
    const a = await client.https.getAccessToken();
    const b = await client.https.getAccessToken();
    assert.notEqual(a.access_token, b.access_token);
    assert.equal(a.expires_in, TOKEN_TTL_SECONDS);
  });

  test('getApiQuota counts uploads; clearQuota resets the counters', async () => {
    await client.https.uploadTempMedia({ type: 'image', media: pngBytes(1024) });
    const q = await client.https.getApiQuota({ cgi_path: PATHS.upload });
    assert.equal(q.errcode, 0);
    assert.ok(q.quota.used >= 1);
    assert.equal(q.quota.used + q.quota.remain, q.quota.daily_limit);
    const cleared = await client.https.clearQuota();
    assert.equal(cleared.errcode, 0);
    assert.equal((await client.https.getApiQuota({ cgi_path: PATHS.upload })).quota.used, 0);
  });

  test('an unknown cgi_path is 76021; a wrong secret is 40125 from the token call itself', async () => {
    await assert.rejects(client.https.getApiQuota({ cgi_path: '/cgi-bin/nope' }), (e: unknown) => e instanceof WeChatError && e.errcode === ERRCODES.CGI_PATH_NOT_FOUND.errcode);
    const wrong = new WeChatClient({ appid: APP.appid, secret: 'definitely-wrong-secret', baseUrl: srv.url });
    try {
      await assert.rejects(wrong.https.getApiQuota({ cgi_path: PATHS.upload }), (e: unknown) => {
        const err = e as WeChatError;
        return err.errcode === ERRCODES.INVALID_APPSECRET.errcode && err.api === 'getStableAccessToken' && !err.message.includes('definitely-wrong-secret');
      });
    } finally {
      await wrong.close();
    }
  });
});

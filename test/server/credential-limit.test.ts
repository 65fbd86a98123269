/**
 * Guessing secrets is slowed down: past N failed credential checks in a minute for one appid and client address
 * (wrong secret on token or stable_token, wrong cloud-call signature, wrong admin key), that pair gets 45011 for
 * the rest of the minute whatever it sends, logged once. Other addresses and other apps are unaffected, and the
 * count is kept in the state store, so instances sharing it count together: two instances on one LMDB, and two on
 * one Redis (the shared one, under a key prefix of this test's own).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CLOUD_APIS, ERRCODES } from '@wxmedia/protocol';
import { LmdbStateStore, ManualClock, type StateStore } from '@wxmedia/server';
import { decodeCommOpenApiResp, encodeCommApiData } from '../../packages/server/src/cloud/protobuf.ts';
import { rawGatewayCall } from '../cloud/helpers.ts';
import { REDIS_URL, connectRedis, deletePrefix, testPrefix } from '../helpers/redis.ts';
import { LEVEL, logOf } from '../helpers/log-capture.ts';
import { rawHead, rawRequest } from '../helpers/raw-http.ts';
import { TEST_APPS, startServer, type InProcessServer } from '../helpers/server.ts';

const LIMIT = 3;
const [APP, OTHER_APP] = TEST_APPS;
const LOCKED = ERRCODES.MINUTE_QUOTA.errcode;
const WRONG = ERRCODES.INVALID_APPSECRET.errcode;

async function token(s: InProcessServer, secret: string, options: { app?: typeof APP; from?: string } = {}): Promise<Record<string, unknown>> {
  const app = options.app ?? APP;
  const target = `/cgi-bin/token?grant_type=client_credential&appid=${app.appid}&secret=${encodeURIComponent(secret)}`;
  const res = await rawRequest(s.port, [rawHead('GET', target)], options.from ? { localAddress: options.from } : {});
  assert.ok(res);
  return res.json();
}

const redis = await connectRedis();
const redisSkip = 'skip' in redis ? redis.skip : false;

/** Opens the one state store two instances share: a path, or a Redis URL each instance connects to itself. */
interface SharedStore {
  readonly forInstance: () => StateStore | string;
  readonly dispose: () => Promise<void>;
}

limiterSuite('two instances on one LMDB', false, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wxmedia-limit-'));
  const state = new LmdbStateStore({ path: join(dir, 'state') });
  return {
    forInstance: () => state,
    dispose: async () => {
      await state.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

limiterSuite('two instances on one Redis', redisSkip, async () => {
  const prefix = testPrefix();
  const client = 'redis' in redis ? redis.redis : undefined;
  return {
    forInstance: () => `${REDIS_URL}/0?prefix=${encodeURIComponent(prefix)}`,
    dispose: async () => {
      if (client) {
        await deletePrefix(client, prefix);
        client.disconnect();
      }
    },
  };
});

function limiterSuite(name: string, skip: string | false, openStore: () => Promise<SharedStore>): void {
  describe(`failed credential checks per app and client address: ${name}`, { skip }, () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 22, 4, 0, 1));
    let store: SharedStore;
    let a: InProcessServer;
    let b: InProcessServer;

    before(async () => {
      store = await openStore();
      const shared = { clock, credentialFailuresPerMinute: LIMIT };
      a = await startServer({ ...shared, stateStore: store.forInstance() });
      b = await startServer({ ...shared, stateStore: store.forInstance() });
    });
    after(async () => {
      await a?.stop();
      await b?.stop();
      await store?.dispose();
    });
    beforeEach(() => clock.advance(60)); // a fresh minute for every test

    const lockouts = () => [a, b].flatMap((s) => logOf(s).lines()).filter((l) => l.level === LEVEL.warn && String(l.msg).startsWith('too many failed credential checks')).length;

    it(`token: ${LIMIT} wrong secrets answer 40125, then 45011 for the minute whatever the secret, on every instance`, async () => {
      const before = lockouts();
      assert.equal((await token(a, 'wrong-1'))['errcode'], WRONG);
      assert.equal((await token(b, 'wrong-2'))['errcode'], WRONG);
      assert.equal((await token(a, 'wrong-3'))['errcode'], WRONG);
      assert.equal((await token(b, 'wrong-4'))['errcode'], LOCKED, 'past the limit, counted across instances');
      assert.equal((await token(a, APP.secret))['errcode'], LOCKED, 'the right secret too: the limit must not confirm a guess');
      assert.equal((await token(b, APP.secret))['errcode'], LOCKED);
      const stable = await fetch(`${a.url}/cgi-bin/stable_token`, {
        method: 'POST',
        body: JSON.stringify({ grant_type: 'client_credential', appid: APP.appid, secret: APP.secret }),
      });
      assert.equal(((await stable.json()) as { errcode?: number }).errcode, LOCKED, 'stable_token shares the count');
      assert.equal(lockouts() - before, 1, 'logged once, by one instance');

      assert.equal(typeof (await token(a, APP.secret, { from: '127.0.0.2' }))['access_token'], 'string', 'another address is unaffected');
      assert.equal(typeof (await token(a, OTHER_APP.secret, { app: OTHER_APP }))['access_token'], 'string', 'another app is unaffected');

      clock.advance(60);
      assert.equal(typeof (await token(b, APP.secret))['access_token'], 'string', 'the next minute starts afresh');
    });

    it('concurrent wrong secrets past the limit are all refused with 45011, never more than the limit with 40125', async () => {
      const codes = await Promise.all(Array.from({ length: 12 }, (_, i) => token(i % 2 ? a : b, `wrong-${i}`).then((r) => r['errcode'])));
      assert.equal(codes.filter((c) => c === WRONG).length, LIMIT, codes.join(','));
      assert.equal(codes.filter((c) => c === LOCKED).length, 12 - LIMIT);
    });

    it('stable_token wrong secrets count the same way', async () => {
      const call = (secret: string) =>
        fetch(`${b.url}/cgi-bin/stable_token`, { method: 'POST', body: JSON.stringify({ grant_type: 'client_credential', appid: APP.appid, secret }) }).then(
          async (r) => ((await r.json()) as { errcode?: number }).errcode,
        );
      for (let i = 0; i < LIMIT; i++) assert.equal(await call(`wrong-${i}`), WRONG);
      assert.equal(await call(APP.secret), LOCKED);
    });

    it('a missing secret or an unknown appid is not a guess and is not counted', async () => {
      for (let i = 0; i < LIMIT * 2; i++) assert.equal((await token(a, ''))['errcode'], ERRCODES.APPSECRET_MISSING.errcode);
      const unknown = await rawRequest(a.port, [rawHead('GET', '/cgi-bin/token?grant_type=client_credential&appid=wxnobody&secret=x')]);
      assert.equal(unknown?.json()['errcode'], ERRCODES.INVALID_APPID.errcode);
      assert.equal(typeof (await token(a, APP.secret))['access_token'], 'string');
    });

    it('cloud calls: wrong signatures lock the app and address out with 45011 inside the gateway reply', async () => {
      const fields = {
        action: 'wx.openApi',
        apiName: CLOUD_APIS.getTempMedia,
        requestData: encodeCommApiData({ pairs: [{ key: 'media_id', value: Buffer.from('"nope"') }] }),
        envName: APP.appid,
      };
      const call = (secretKey: string) => rawGatewayCall({ url: `${a.url}/admin?env=${APP.appid}`, secretId: APP.appid, secretKey, fields });
      for (let i = 0; i < LIMIT; i++) {
        const r = await call(`wrong-key-${i}`);
        assert.equal(r.contentType, 'application/json; charset=utf-8', 'a gateway signature error');
      }
      const locked = await call(APP.secret);
      assert.equal(locked.contentType, 'application/octet-stream');
      const json = JSON.parse(decodeCommOpenApiResp(locked.body).respData.toString()) as { errcode: number };
      assert.equal(json.errcode, LOCKED);
      assert.equal((await token(b, APP.secret))['errcode'], LOCKED, 'the same app and address, over HTTPS too');
    });

    it('admin API: wrong keys lock the address out (429, errcode 45011, Retry-After); other addresses are unaffected', async () => {
      const list = (key: string, from?: string) =>
        rawRequest(a.port, [rawHead('GET', '/wxmedia/admin/apps', { Authorization: `Bearer ${key}` })], from ? { localAddress: from } : {});
      for (let i = 0; i < LIMIT; i++) assert.equal((await list(`wrong-admin-key-${i}`))?.status, 401);
      const locked = await list(a.server.adminKey);
      assert.equal(locked?.status, 429);
      assert.equal(locked?.json()['errcode'], LOCKED);
      assert.ok(Number(locked?.headers.get('retry-after')) > 0 && Number(locked?.headers.get('retry-after')) <= 60);
      assert.equal((await list(a.server.adminKey, '127.0.0.3'))?.status, 200);
    });
  });
}

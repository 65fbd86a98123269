/**
 * The emulator controls through the admin API, in process: the clock (advance, set, reset; kept in the state store),
 * faults (errcode, count, probability, latency, per app and API), reset, the calls record, the media admin.
 * Over real sockets: a dropped connection, and the live calls stream.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ERRCODES, RID_PATTERN, ridOfErrmsg, type CallRecord, type ClockState, type Fault } from '@wxmedia/protocol';
import { createServer, type WxMediaServer } from '@wxmedia/server';
import { APP, JPEG_MIN, OTHER, PNG_1X1, multipart, startFixture, type Fixture } from './fixture.ts';

const TOKEN = '/cgi-bin/token';
const UPLOAD = '/cgi-bin/media/upload';
const GET = '/cgi-bin/media/get';

interface Admin {
  (method: 'GET' | 'POST' | 'DELETE', url: string, body?: object): Promise<{ status: number; body: Record<string, unknown> }>;
}

function adminOf(server: WxMediaServer): Admin {
  return async (method, url, body) => {
    const r = await server.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${server.adminKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { payload: JSON.stringify(body) } : {}),
    });
    return { status: r.statusCode, body: r.json() };
  };
}

async function getMedia(server: WxMediaServer, token: string, mediaId: string): Promise<{ errcode?: number; errmsg?: string; type: string }> {
  const r = await server.app.inject({ url: `${GET}?access_token=${token}&media_id=${mediaId}` });
  const type = String(r.headers['content-type']);
  return type.startsWith('image/') ? { type } : { ...r.json<{ errcode: number; errmsg: string }>(), type };
}

describe('clock (--time-travel, kept in the state store)', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'wxmedia-clock-'));
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  it('reads real time and refuses to move without --time-travel', async () => {
    const server = await createServer({ dataDir, apps: [APP], logLevel: 'silent' });
    try {
      const admin = adminOf(server);
      const read = await admin('GET', '/wxmedia/admin/clock');
      const clock = read.body['clock'] as ClockState;
      assert.equal(clock.timeTravel, false);
      assert.equal(clock.offsetSeconds, 0);
      assert.ok(Math.abs(clock.now - Date.now()) < 60_000);
      const moved = await admin('POST', '/wxmedia/admin/clock', { advance: 60 });
      assert.equal(moved.status, 409);
      assert.match(String(moved.body['errmsg']), /--time-travel rid: /);
    } finally {
      await server.close();
    }
  });

  it('advance, set (to a time, earlier included) and reset; the moved clock survives a restart', async () => {
    let server = await createServer({ dataDir, apps: [APP], timeTravel: true, logLevel: 'silent' });
    try {
      const admin = adminOf(server);
      const token = (await server.app.inject({ url: `${TOKEN}?grant_type=client_credential&appid=${APP.appid}&secret=${APP.secret}` })).json<{ access_token: string }>().access_token;
      const advanced = await admin('POST', '/wxmedia/admin/clock', { advance: 7200 });
      assert.equal(advanced.status, 200);
      assert.ok(Math.abs((advanced.body['clock'] as ClockState).offsetSeconds - 7200) <= 1);
      assert.equal((await getMedia(server, token, 'x')).errcode, ERRCODES.ACCESS_TOKEN_EXPIRED.errcode, 'the token expired with the clock');

      const set = await admin('POST', '/wxmedia/admin/clock', { set: '2031-05-06T07:08:09Z' });
      const clock = set.body['clock'] as ClockState;
      assert.ok(clock.now >= Date.parse('2031-05-06T07:08:09Z') && clock.now < Date.parse('2031-05-06T07:09:09Z'), clock.iso);
      assert.equal((await admin('POST', '/wxmedia/admin/clock', { set: 1_700_000_000 })).status, 200);
      assert.ok(Math.abs(server.clock.now() - 1_700_000_000_000) < 60_000, 'set to Unix seconds, in the past');

      for (const bad of [{}, { advance: -1 }, { advance: 'soon' }, { set: 'tomorrow' }, { set: '2031-05-06' }, { reset: false }, { advance: 1, reset: true }, { rewind: 3 }]) {
        const r = await admin('POST', '/wxmedia/admin/clock', bad);
        assert.equal(r.status, 400, JSON.stringify(bad));
        assert.equal(r.body['errcode'], 400);
      }

      await admin('POST', '/wxmedia/admin/clock', { set: '2040-01-01T00:00:00Z' });
      await server.close();
      server = await createServer({ dataDir, apps: [APP], timeTravel: true, logLevel: 'silent' });
      const after = (await adminOf(server)('GET', '/wxmedia/admin/clock')).body['clock'] as ClockState;
      assert.ok(after.now >= Date.parse('2040-01-01T00:00:00Z') && after.now < Date.parse('2040-01-01T00:01:00Z'), `after restart: ${after.iso}`);

      const reset = await adminOf(server)('POST', '/wxmedia/admin/clock', { reset: true });
      assert.equal((reset.body['clock'] as ClockState).offsetSeconds, 0);
      assert.ok(Math.abs(server.clock.now() - Date.now()) < 1000);
    } finally {
      await server.close();
    }
  });
});

describe('ephemeral', () => {
  it('state in memory, media in a temporary directory that close() removes', async () => {
    const server = await createServer({ ephemeral: true, apps: [APP], logLevel: 'silent' });
    const dir = server.dataDir;
    try {
      assert.ok(dir.startsWith(tmpdir()), dir);
      const token = (await server.app.inject({ url: `${TOKEN}?grant_type=client_credential&appid=${APP.appid}&secret=${APP.secret}` })).json<{ access_token: string }>().access_token;
      assert.ok(token);
      assert.equal(await stat(join(dir, 'state')).then(() => true, () => false), false, 'no state database on disk');
    } finally {
      await server.close();
    }
    assert.equal(await stat(dir).then(() => true, () => false), false, 'removed at close');
  });
});

describe('faults', () => {
  let f: Fixture;
  let admin: Admin;
  before(async () => {
    f = await startFixture();
    admin = adminOf(f.server);
  });
  after(() => f.close());

  const addFault = async (spec: object): Promise<Fault> => {
    const r = await admin('POST', '/wxmedia/admin/faults', spec);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body['fault'] as Fault;
  };

  it('count 1: the next matching call is answered as WeChat would (envelope, content type, rid), then the fault is gone', async () => {
    const token = await f.token();
    const fault = await addFault({ api: UPLOAD, errcode: 45009, count: 1 });
    const { body, contentType } = multipart([{ name: 'media', filename: 'a.png', data: PNG_1X1 }]);
    const r = await f.server.app.inject({ method: 'POST', url: `${UPLOAD}?access_token=${token}&type=image`, headers: { 'content-type': contentType }, payload: body });
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-type'], 'text/plain');
    const reply = r.json<{ errcode: number; errmsg: string }>();
    assert.equal(reply.errcode, 45009);
    assert.match(reply.errmsg, /^reach max api daily quota limit rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
    const rid = ridOfErrmsg(reply.errmsg)!;
    const call = (await admin('GET', `/wxmedia/admin/calls/${rid}`)).body['call'] as CallRecord;
    assert.equal(call.fault, fault.id);
    assert.equal(call.errcode, 45009);
    assert.equal(call.appid, APP.appid);

    assert.equal((await f.upload(token, PNG_1X1))['errcode'], 0, 'spent: the next upload succeeds');
    assert.deepEqual((await admin('GET', '/wxmedia/admin/faults')).body['faults'], []);
    const quota = (await f.server.app.inject({ method: 'POST', url: `/cgi-bin/openapi/quota/get?access_token=${token}`, payload: JSON.stringify({ cgi_path: UPLOAD }) })).json<{ quota: { used: number } }>();
    assert.equal(quota.quota.used, 1, 'a faulted call spends no quota');
  });

  it('per app and API; probability 1 without a count fires until removed; an unknown errcode takes its errmsg', async () => {
    const token = await f.token();
    const otherToken = await f.token(OTHER);
    const uploaded = String((await f.upload(token, PNG_1X1))['media_id']);
    const fault = await addFault({ appid: APP.appid, api: GET, errcode: 40164, errmsg: 'invalid ip 1.2.3.4, not in whitelist', probability: 1 });
    for (let i = 0; i < 3; i++) {
      const r = await getMedia(f.server, token, uploaded);
      assert.equal(r.errcode, 40164);
      assert.match(String(r.errmsg), /^invalid ip 1\.2\.3\.4, not in whitelist rid: /);
    }
    assert.equal((await getMedia(f.server, otherToken, uploaded)).errcode, ERRCODES.INVALID_MEDIA_ID.errcode, 'another app: no fault');
    assert.equal((await f.upload(token, PNG_1X1))['errcode'], 0, 'another API: no fault');
    const listed = (await admin('GET', '/wxmedia/admin/faults')).body['faults'] as Fault[];
    assert.deepEqual(listed.map((x) => x.id), [fault.id]);
    assert.equal((await admin('DELETE', `/wxmedia/admin/faults/${fault.id}`)).status, 200);
    assert.equal((await getMedia(f.server, token, uploaded)).type, 'image/png');
    assert.equal((await admin('DELETE', `/wxmedia/admin/faults/${fault.id}`)).status, 404);
  });

  it('a token-endpoint fault fires after the credentials are checked; latency delays the answer', async () => {
    await addFault({ api: TOKEN, errcode: -1, count: 1, latencyMs: 300 });
    const bad = await f.server.app.inject({ url: `${TOKEN}?grant_type=client_credential&appid=${APP.appid}&secret=wrong-secret` });
    assert.equal(bad.json<{ errcode: number }>().errcode, ERRCODES.INVALID_APPSECRET.errcode, 'wrong credentials: the real answer');
    const started = Date.now();
    const r = await f.server.app.inject({ url: `${TOKEN}?grant_type=client_credential&appid=${APP.appid}&secret=${APP.secret}` });
    assert.ok(Date.now() - started >= 290, 'waited its latency');
    assert.equal(r.json<{ errcode: number }>().errcode, -1);
    assert.equal(r.headers['content-type'], 'application/json; encoding=utf-8');
  });

  it('refuses specs that would not do what they say', async () => {
    for (const bad of [
      {},
      { count: 1 },
      { errcode: 99999 },
      { errcode: 0 },
      { errcode: 45009, drop: true },
      { api: '/cgi-bin/nope', errcode: 45009 },
      { errcode: 45009, probabilty: 0.5 },
      { errcode: 45009, probability: 0 },
      { errcode: 45009, count: 0 },
      { latencyMs: 10_000_000 },
      { appid: 'no spaces', errcode: -1 },
    ]) {
      const r = await admin('POST', '/wxmedia/admin/faults', bad);
      assert.equal(r.status, 400, JSON.stringify(bad));
    }
    assert.deepEqual((await admin('GET', '/wxmedia/admin/faults')).body['faults'], []);
  });

  it('clear removes all faults, or one app\'s', async () => {
    await addFault({ appid: APP.appid, errcode: -1 });
    const kept = await addFault({ appid: OTHER.appid, errcode: -1 });
    assert.equal((await admin('DELETE', `/wxmedia/admin/faults?appid=${APP.appid}`)).body['removed'], 1);
    assert.deepEqual(((await admin('GET', '/wxmedia/admin/faults')).body['faults'] as Fault[]).map((x) => x.id), [kept.id]);
    assert.equal((await admin('DELETE', '/wxmedia/admin/faults')).body['removed'], 1);
  });
});

describe('faults and calls over real sockets', () => {
  let f: Fixture;
  let url: string;
  before(async () => {
    f = await startFixture();
    ({ url } = await f.server.listen({ host: '127.0.0.1', port: 0 }));
  });
  after(() => f.close());

  it('drop: the connection closes without an answer; the call is recorded as dropped', async () => {
    const token = await f.token();
    const fault = (await adminOf(f.server)('POST', '/wxmedia/admin/faults', { api: GET, drop: true, count: 1 })).body['fault'] as Fault;
    const outcome = await new Promise<string>((resolve) => {
      const req = httpRequest(`${url}${GET}?access_token=${token}&media_id=x`, (res) => resolve(`answered ${res.statusCode}`));
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      req.end();
    });
    assert.equal(outcome, 'ECONNRESET');
    const calls = (await adminOf(f.server)('GET', '/wxmedia/admin/calls?limit=1')).body['calls'] as CallRecord[];
    assert.equal(calls[0]?.dropped, true);
    assert.equal(calls[0]?.fault, fault.id);
    assert.equal(calls[0]?.errcode, undefined);
    const r = await fetch(`${url}${GET}?access_token=${token}&media_id=x`);
    assert.equal(((await r.json()) as { errcode: number }).errcode, 40007, 'spent: the next call is answered');
  });

  it('the live stream (server-sent events) carries each call as it happens, with credentials redacted', async () => {
    const token = await f.token();
    const controller = new AbortController();
    const res = await fetch(`${url}/wxmedia/admin/calls/stream`, { headers: { authorization: `Bearer ${f.server.adminKey}` }, signal: controller.signal });
    assert.equal(res.status, 200);
    assert.match(String(res.headers.get('content-type')), /^text\/event-stream/);
    const reader = res.body!.getReader();
    const failed = await (await fetch(`${url}${GET}?access_token=${token}&media_id=nope`)).json() as { errmsg: string };
    const rid = ridOfErrmsg(failed.errmsg)!;
    let text = '';
    while (!text.includes(rid)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    controller.abort();
    const event = text.split('\n\n').find((e) => e.includes(rid))!;
    assert.match(event, new RegExp(`^id: ${rid}\nevent: call\ndata: `, 'm'));
    const call = JSON.parse(event.slice(event.indexOf('data: ') + 6)) as CallRecord;
    assert.equal(call.errcode, 40007);
    assert.equal(call.api, GET);
    assert.equal(call.mediaId, 'nope');
    assert.equal(call.query['access_token'], '[REDACTED]');
    assert.match(String(call.reason), /invalid media_id/);
    assert.ok(!text.includes(token), 'no token in the stream');
  });

  it('the stream does not keep the server from closing', async () => {
    const s = await startFixture();
    const { url: u } = await s.server.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(`${u}/wxmedia/admin/calls/stream`, { headers: { authorization: `Bearer ${s.server.adminKey}` } });
    const reading = (async () => {
      const reader = res.body!.getReader();
      for (;;) if ((await reader.read()).done) return 'ended';
    })();
    await s.close();
    assert.equal(await reading, 'ended');
  });
});

describe('reset, calls and media admin', () => {
  let f: Fixture;
  let admin: Admin;
  before(async () => {
    f = await startFixture();
    admin = adminOf(f.server);
  });
  after(() => f.close());

  it('reset of one app wipes its media, tokens and quotas; the other app keeps everything', async () => {
    const a = await f.token();
    const b = await f.token(OTHER);
    const aMedia = String((await f.upload(a, PNG_1X1))['media_id']);
    const bMedia = String((await f.upload(b, PNG_1X1))['media_id']);
    await admin('POST', '/wxmedia/admin/faults', { appid: APP.appid, errcode: -1, api: '/cgi-bin/clear_quota' });
    const r = await admin('POST', '/wxmedia/admin/reset', { appid: APP.appid });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body['reset'], { media: 1, apps: 1, faults: 1 });
    assert.equal((await getMedia(f.server, a, aMedia)).errcode, ERRCODES.INVALID_CREDENTIAL.errcode, 'its tokens are revoked');
    const fresh = await f.token();
    assert.equal((await getMedia(f.server, fresh, aMedia)).errcode, ERRCODES.INVALID_MEDIA_ID.errcode, 'its media are gone');
    assert.equal((await getMedia(f.server, b, bMedia)).type, 'image/png', 'the other app is untouched');
    const quota = (await f.server.app.inject({ method: 'POST', url: `/cgi-bin/openapi/quota/get?access_token=${fresh}`, payload: JSON.stringify({ cgi_path: UPLOAD }) })).json<{ quota: { used: number } }>();
    assert.equal(quota.quota.used, 0, 'its quota counters are gone');
    const calls = (await admin('GET', '/wxmedia/admin/calls')).body['calls'] as CallRecord[];
    assert.ok(calls.every((c) => c.appid !== APP.appid || c.at >= 0), 'calls of the app after the reset only');

    assert.equal((await admin('POST', '/wxmedia/admin/reset', { appid: 'wxnosuchapp' })).status, 404);
    assert.equal((await admin('POST', '/wxmedia/admin/reset', { everything: true })).status, 400);
    const all = await admin('POST', '/wxmedia/admin/reset', {});
    assert.equal((all.body['reset'] as { media: number }).media, 1);
    assert.equal((await getMedia(f.server, await f.token(OTHER), bMedia)).errcode, ERRCODES.INVALID_MEDIA_ID.errcode);
  });

  it('calls: a failed call is found by its rid, with the reason and redacted query; filters', async () => {
    const token = await f.token();
    const reply = await getMedia(f.server, token, 'no-such-media');
    const rid = ridOfErrmsg(String(reply.errmsg))!;
    assert.match(rid, RID_PATTERN);
    const found = await admin('GET', `/wxmedia/admin/calls/${rid}`);
    const call = found.body['call'] as CallRecord;
    assert.equal(call.rid, rid);
    assert.equal(call.errcode, 40007);
    assert.equal(call.channel, 'https');
    assert.equal(call.status, 200);
    assert.equal(call.query['access_token'], '[REDACTED]');
    assert.equal(call.query['media_id'], 'no-such-media');
    assert.match(String(call.reason), /^invalid media_id: /);
    assert.ok(!JSON.stringify(found.body).includes(token));
    const failed = (await admin('GET', '/wxmedia/admin/calls?failed=1')).body['calls'] as CallRecord[];
    assert.ok(failed.length >= 1 && failed.every((c) => c.errcode !== 0));
    const uploads = (await admin('GET', `/wxmedia/admin/calls?api=${encodeURIComponent(TOKEN)}&limit=2`)).body['calls'] as CallRecord[];
    assert.ok(uploads.length === 2 && uploads.every((c) => c.api === TOKEN));
    assert.equal((await admin('GET', '/wxmedia/admin/calls/6aac005a-355b48ab-4c5b487e')).status, 404);
    assert.equal((await admin('GET', '/wxmedia/admin/calls/not-a-rid')).status, 400);
  });

  it('media: list by app and kind, one entry, its bytes with get\'s headers, delete, expire now', async () => {
    const token = await f.token();
    const png = String((await f.upload(token, PNG_1X1))['media_id']);
    const jpg = String((await f.upload(token, JPEG_MIN, { filename: 'b.jpg' }))['media_id']);
    const listed = (await admin('GET', `/wxmedia/admin/media?appid=${APP.appid}&kind=image`)).body['media'] as { mediaId: string; expiresAt: number; createdAt: number; kind: string }[];
    assert.deepEqual(listed.map((m) => m.mediaId).sort(), [png, jpg].sort());
    assert.ok(listed.every((m) => m.expiresAt - m.createdAt === 259_200 && m.kind === 'image'));
    assert.deepEqual((await admin('GET', '/wxmedia/admin/media?kind=voice')).body['media'], []);
    assert.equal((await admin('GET', '/wxmedia/admin/media?kind=sound')).status, 400);
    const one = (await admin('GET', `/wxmedia/admin/media/${png}`)).body['media'] as { filename: string; size: number };
    assert.deepEqual([one.filename, one.size], ['a.png', PNG_1X1.length]);

    const content = await f.server.app.inject({ url: `/wxmedia/admin/media/${png}/content`, headers: { authorization: `Bearer ${f.server.adminKey}` } });
    assert.equal(content.headers['content-type'], 'image/png');
    assert.equal(content.headers['content-disposition'], `attachment; filename="${png}.png"`);
    assert.deepEqual(content.rawPayload, PNG_1X1);
    assert.equal((await f.server.app.inject({ url: `/wxmedia/admin/media/${png}/content` })).statusCode, 401, 'the bytes need the key too');

    assert.equal((await admin('POST', `/wxmedia/admin/media/${png}/expire`)).status, 200);
    assert.equal((await getMedia(f.server, token, png)).errcode, ERRCODES.INVALID_MEDIA_ID.errcode);
    assert.equal((await admin('DELETE', `/wxmedia/admin/media/${jpg}`)).status, 200);
    assert.equal((await getMedia(f.server, token, jpg)).errcode, ERRCODES.INVALID_MEDIA_ID.errcode);
    assert.equal((await admin('DELETE', `/wxmedia/admin/media/${jpg}`)).status, 404);
  });

  it('apps: detail with token lanes and quotas, force refresh revokes, clear quota, rotate secret', async () => {
    await admin('POST', '/wxmedia/admin/reset', { appid: APP.appid });
    const token = await f.token();
    await f.upload(token, PNG_1X1);
    const detail = (await admin('GET', `/wxmedia/admin/apps/${APP.appid}`)).body['app'] as { tokens: { token: { generation: number; expiresAt: number; issuedAt: number } }; quotas: Record<string, { used: number }> };
    assert.ok(detail.tokens.token.generation >= 1);
    assert.equal(detail.tokens.token.expiresAt - detail.tokens.token.issuedAt, 7200);
    assert.equal(detail.quotas[UPLOAD]?.used, 1);
    const refreshed = (await admin('POST', `/wxmedia/admin/apps/${APP.appid}/tokens/refresh`)).body['app'] as typeof detail;
    assert.equal(refreshed.tokens.token.generation, detail.tokens.token.generation + 1);
    assert.equal((await getMedia(f.server, token, 'x')).errcode, ERRCODES.INVALID_CREDENTIAL.errcode, 'force refresh revokes at once');
    const cleared = (await admin('POST', `/wxmedia/admin/apps/${APP.appid}/quota/clear`)).body['app'] as typeof detail;
    assert.equal(cleared.quotas[UPLOAD]?.used, 0);

    const rotated = (await admin('POST', `/wxmedia/admin/apps/${APP.appid}/secret`)).body as { secret: string };
    assert.match(rotated.secret, /^[0-9a-f]{32}$/);
    const oldSecret = await f.server.app.inject({ url: `${TOKEN}?grant_type=client_credential&appid=${APP.appid}&secret=${APP.secret}` });
    assert.equal(oldSecret.json<{ errcode: number }>().errcode, ERRCODES.INVALID_APPSECRET.errcode);
    await admin('POST', `/wxmedia/admin/apps/${APP.appid}/secret`, { secret: APP.secret });
    assert.ok(await f.token());
    assert.equal((await admin('GET', '/wxmedia/admin/apps/wxnosuchapp')).status, 404);
  });

  it('overview: apps, media, calls per minute, errors by errcode, stores, clock', async () => {
    const token = await f.token();
    await f.upload(token, PNG_1X1);
    await getMedia(f.server, token, 'nope');
    const o = (await admin('GET', '/wxmedia/admin/overview')).body['overview'] as {
      apps: number; media: { count: number; bytes: number }; perMinute: { uploads: number; calls: number }[]; errorsByErrcode: Record<string, number>; storage: { blobs: string; state: string };
    };
    assert.equal(o.apps, 3);
    assert.ok(o.media.count >= 1 && o.media.bytes >= PNG_1X1.length);
    assert.equal(o.perMinute.length, 60);
    assert.ok(o.perMinute.reduce((n, m) => n + m.uploads, 0) >= 1);
    assert.ok((o.errorsByErrcode['40007'] ?? 0) >= 1);
    assert.match(o.storage.blobs, /^filesystem \(/);
    assert.match(o.storage.state, /^lmdb \(/);
  });

  it('every admin route wants the key; the key never reaches the log', async () => {
    for (const url of ['/wxmedia/admin/overview', '/wxmedia/admin/calls', '/wxmedia/admin/faults', '/wxmedia/admin/clock', '/wxmedia/admin/media', '/wxmedia/admin/calls/stream']) {
      const r = await f.server.app.inject({ url, headers: { authorization: 'Bearer wrong-key' } });
      assert.equal(r.statusCode, 401, url);
    }
    assert.ok(!f.logs().includes(f.server.adminKey), 'admin key in the log');
  });
});

/**
 * End to end over real sockets: a real wxmedia server, fixture cloud functions run by the unmodified wx-server-sdk in
 * child processes (bare recipe and `wxmedia run-function`), and the HTTPS API through curl, as WeChat's pages call it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { CLOUD_APIS, ERRCODES, cloudOkMessage } from '@wxmedia/protocol';
import { createServer, type WxMediaServer } from '@wxmedia/server';
import { TCB_GATEWAY_ERRORS } from '../../packages/server/src/cloud/gateway-errors.ts';
import { image } from '../helpers/images.ts';
import { MEDIA_FN, UPLOAD_ONLY_FN, invoke, runCli, sdkEnv } from './helpers.ts';

const run = promisify(execFile);
const APP = { appid: 'wxe2ecloud0000001', secret: 'secret-of-e2e-cloud-app' };
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('cloud call end to end (wxmedia server + unmodified wx-server-sdk)', () => {
  let server: WxMediaServer;
  let url: string;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wxmedia-cloud-e2e-'));
    server = await createServer({ dataDir: join(dir, 'data'), apps: [APP], logLevel: 'silent' });
    ({ url } = await server.listen({ host: '127.0.0.1', port: 0 }));
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const env = () => sdkEnv(url, APP.appid, APP.secret);
  const cloudUpload = async (png: Buffer) => {
    const r = await invoke(MEDIA_FN, { call: 'upload', base64: png.toString('base64') }, env());
    assert.equal(r.returned?.['errCode'], 0, JSON.stringify(r));
    return String(r.returned?.['mediaId']);
  };
  const accessToken = async () => {
    const r = await fetch(`${url}/cgi-bin/token?grant_type=client_credential&appid=${APP.appid}&secret=${APP.secret}`);
    return ((await r.json()) as { access_token: string }).access_token;
  };
  const cliEnv = () => ({ WXMEDIA_BASE_URL: url, WXMEDIA_APPID: APP.appid, WXMEDIA_SECRET: APP.secret });

  it('cloud upload → cloud get: the same bytes, image/png', async () => {
    const png = image('png');
    const mediaId = await cloudUpload(png);
    const r = await invoke(MEDIA_FN, { call: 'get', mediaId }, env());
    assert.deepEqual(r.returned, { contentType: 'image/png', buffer: { base64: png.toString('base64') }, errMsg: cloudOkMessage(CLOUD_APIS.getTempMedia), errCode: 0 });
  });

  it('cloud upload → HTTPS GET /cgi-bin/media/get (curl): the same bytes', async () => {
    const png = image('png');
    const mediaId = await cloudUpload(png);
    const out = join(dir, 'got.png');
    const { stdout } = await run('curl', ['-sS', '-D', '-', '-o', out, `${url}/cgi-bin/media/get?access_token=${await accessToken()}&media_id=${mediaId}`]);
    assert.match(stdout, /content-type: image\/png/i);
    assert.deepEqual(await readFile(out), png);
  });

  it('HTTPS upload (curl -F media=@x.png) → cloud getTempMedia: the same bytes', async () => {
    const png = image('png');
    const file = join(dir, 'x.png');
    await writeFile(file, png);
    const { stdout } = await run('curl', ['-sS', '-F', `media=@${file}`, `${url}/cgi-bin/media/upload?access_token=${await accessToken()}&type=image`]);
    const uploaded = JSON.parse(stdout) as { media_id: string };
    const r = await invoke(MEDIA_FN, { call: 'get', mediaId: uploaded.media_id }, env());
    assert.equal(r.returned?.['contentType'], 'image/png');
    assert.deepEqual(r.returned?.['buffer'], { base64: png.toString('base64') });
  });

  it('type video (a mini program may upload images only) → thrown errCode 40004', async () => {
    const r = await invoke(MEDIA_FN, { call: 'upload', type: 'video', base64: image('png').toString('base64'), rethrow: true }, env());
    assert.equal(r.threw?.['errCode'], ERRCODES.INVALID_MEDIA_TYPE.errcode);
    assert.match(String(r.threw?.['errMsg']), /^openapi\.customerServiceMessage\.uploadTempMedia:fail invalid media type rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
  });

  it('an unknown media id → errCode 40007, errMsg "…getTempMedia:fail invalid media_id rid: …"', async () => {
    const r = await invoke(MEDIA_FN, { call: 'get', mediaId: 'A'.repeat(64), rethrow: true }, env());
    assert.equal(r.threw?.['errCode'], ERRCODES.INVALID_MEDIA_ID.errcode);
    assert.match(String(r.threw?.['errMsg']), /^openapi\.customerServiceMessage\.getTempMedia:fail invalid media_id rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
  });

  it('a wrong secretKey → the gateway\'s signature error', async () => {
    const r = await invoke(MEDIA_FN, { call: 'get', mediaId: 'x', rethrow: true }, sdkEnv(url, APP.appid, 'wrong-secret'));
    assert.equal(r.threw?.['errCode'], -501001);
    assert.equal(r.threw?.['errMsg'], `openapi.customerServiceMessage.getTempMedia:fail -501001 resource system error. ${TCB_GATEWAY_ERRORS.SIGNATURE_MISMATCH.message}`);
  });

  describe('wxmedia run-function', () => {
    it('uploads and gets back the PNG (Buffers summarised by length and sha256)', async () => {
      const png = image('png');
      const up = await runCli(['run-function', MEDIA_FN, '--event', JSON.stringify({ call: 'upload', base64: png.toString('base64') })], cliEnv());
      assert.equal(up.code, 0, up.stderr);
      const uploaded = JSON.parse(up.stdout) as Record<string, unknown>;
      assert.equal(uploaded['errMsg'], cloudOkMessage(CLOUD_APIS.uploadTempMedia));
      assert.equal(uploaded['type'], 'image');
      // The function's console.log went to stderr, not into the JSON.
      assert.match(up.stderr, /mediaId/);

      const got = await runCli(['run-function', join(MEDIA_FN, 'index.js'), '--event', JSON.stringify({ call: 'get', mediaId: uploaded['mediaId'] })], cliEnv());
      assert.equal(got.code, 0, got.stderr);
      assert.deepEqual(JSON.parse(got.stdout), {
        contentType: 'image/png',
        buffer: { type: 'Buffer', length: png.length, sha256: sha256(png) },
        errMsg: cloudOkMessage(CLOUD_APIS.getTempMedia),
        errCode: 0,
      });
    });

    it('honours config.json: a function without getTempMedia gets -604101', async () => {
      const mediaId = await cloudUpload(image('png'));
      const r = await runCli(['run-function', UPLOAD_ONLY_FN, '--event', JSON.stringify({ call: 'get', mediaId })], cliEnv());
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { errCode: -604101, errMsg: 'system error: error code: -604101' });
      // The same function may upload.
      const up = await runCli(['run-function', UPLOAD_ONLY_FN, '--event', JSON.stringify({ call: 'upload', base64: image('png').toString('base64') })], cliEnv());
      assert.equal(JSON.parse(up.stdout)['errCode'], 0);
    });

    it('exits non-zero when main throws, printing the error', async () => {
      const r = await runCli(['run-function', MEDIA_FN, '--event', JSON.stringify({ call: 'get', mediaId: 'A'.repeat(64), rethrow: true })], cliEnv());
      assert.equal(r.code, 1);
      assert.equal(JSON.parse(r.stdout)['errCode'], ERRCODES.INVALID_MEDIA_ID.errcode);
      assert.match(r.stderr, /main threw: openapi\.customerServiceMessage\.getTempMedia:fail invalid media_id/);
    });

    it('a wrong --secret surfaces the signature error, and the secret never shows', async () => {
      const r = await runCli(['run-function', MEDIA_FN, '--event', '{"call":"get","mediaId":"x"}'], { ...cliEnv(), WXMEDIA_SECRET: 'wrong-secret-value' });
      assert.match(JSON.parse(r.stdout)['errMsg'] as string, new RegExp(`${TCB_GATEWAY_ERRORS.SIGNATURE_MISMATCH.message}$`));
      assert.doesNotMatch(r.stdout + r.stderr, /wrong-secret-value/);
    });

    it('says what to fix for a missing function or bad --event', async () => {
      const missing = await runCli(['run-function', join(dir, 'nope')], cliEnv());
      // Setup problems are usage errors (2); 1 is kept for a function that threw.
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /no function at/);
      const bad = await runCli(['run-function', MEDIA_FN, '--event', '{not json'], cliEnv());
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--event must be JSON/);
    });
  });
});

describe('cloud calls spend the same daily quotas as HTTPS', () => {
  it('an HTTPS upload and a cloud upload share the upload quota: the next one gets 45009', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wxmedia-cloud-quota-'));
    const server = await createServer({ dataDir: join(dir, 'data'), apps: [APP], logLevel: 'silent', dailyQuotas: { '/cgi-bin/media/upload': 2 } });
    try {
      const { url } = await server.listen({ host: '127.0.0.1', port: 0 });
      const env = sdkEnv(url, APP.appid, APP.secret);
      const ok = await invoke(MEDIA_FN, { call: 'upload', base64: image('png').toString('base64') }, env);
      assert.equal(ok.returned?.['errCode'], 0, JSON.stringify(ok));
      const file = join(dir, 'x.png');
      await writeFile(file, image('png'));
      const { access_token } = (await (await fetch(`${url}/cgi-bin/token?grant_type=client_credential&appid=${APP.appid}&secret=${APP.secret}`)).json()) as { access_token: string };
      const { stdout } = await run('curl', ['-sS', '-F', `media=@${file}`, `${url}/cgi-bin/media/upload?access_token=${access_token}&type=image`]);
      assert.equal((JSON.parse(stdout) as { errcode: number }).errcode, 0);
      const spent = await invoke(MEDIA_FN, { call: 'upload', base64: image('png').toString('base64'), rethrow: true }, env);
      assert.equal(spent.threw?.['errCode'], ERRCODES.DAILY_QUOTA.errcode, JSON.stringify(spent));
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('injected faults reach cloud functions as wx-server-sdk would surface the real errors', () => {
  it('a fault on /cgi-bin/media/upload fires on cloud uploadTempMedia: errCode/errMsg, then the call record', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wxmedia-cloud-fault-'));
    const server = await createServer({ dataDir: join(dir, 'data'), apps: [APP], logLevel: 'silent' });
    try {
      const { url } = await server.listen({ host: '127.0.0.1', port: 0 });
      const admin = (method: string, path: string, body?: object) =>
        fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${server.adminKey}` }, ...(body ? { body: JSON.stringify(body) } : {}) }).then((r) => r.json() as Promise<Record<string, unknown>>);
      const added = await admin('POST', '/wxmedia/admin/faults', { api: '/cgi-bin/media/upload', errcode: 45009, count: 1 });
      const env = sdkEnv(url, APP.appid, APP.secret);
      const faulted = await invoke(MEDIA_FN, { call: 'upload', base64: image('png').toString('base64'), rethrow: true }, env);
      assert.equal(faulted.threw?.['errCode'], ERRCODES.DAILY_QUOTA.errcode, JSON.stringify(faulted));
      const errMsg = String(faulted.threw?.['errMsg']);
      assert.match(errMsg, /^openapi\.customerServiceMessage\.uploadTempMedia:fail reach max api daily quota limit rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
      const rid = errMsg.slice(-26);
      const call = (await admin('GET', `/wxmedia/admin/calls/${rid}`))['call'] as Record<string, unknown>;
      assert.equal(call['channel'], 'cloud');
      assert.equal(call['api'], CLOUD_APIS.uploadTempMedia);
      assert.equal(call['errcode'], 45009);
      assert.equal(call['fault'], (added['fault'] as { id: string }).id);
      const ok = await invoke(MEDIA_FN, { call: 'upload', base64: image('png').toString('base64') }, env);
      assert.equal(ok.returned?.['errCode'], 0, 'count 1: spent');
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * The gateway alone (a bare Fastify app and an in-memory media service), driven by the REAL wx-server-sdk running
 * the fixture function in a child process, and by raw requests signed with the SDK's own signer.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { CLOUD_APIS, ERRCODES, cloudFailMessage, cloudOkMessage, formatForFilename, newRid } from '@wxmedia/protocol';
import { systemClock } from '../../packages/server/src/clock.ts';
import { registerCloudGateway } from '../../packages/server/src/cloud/gateway.ts';
import { implicitCloudEnv, type CloudEnvConfig } from '../../packages/server/src/cloud/envs.ts';
import { encodeFunctionToken } from '../../packages/server/src/cloud/function-token.ts';
import { CLOUD_CALL_ERRORS, TCB_GATEWAY_ERRORS } from '../../packages/server/src/cloud/gateway-errors.ts';
import { decodeCommOpenApiResp, encodeCommApiData } from '../../packages/server/src/cloud/protobuf.ts';
import { WxError } from '../../packages/server/src/errors.ts';
import type { CloudMediaService, OpenMediaResult, UploadInput, UploadResult } from '../../packages/server/src/services/media-service.ts';
import { image } from '../helpers/images.ts';
import { MEDIA_FN, invoke, rawGatewayCall, scfEnv, sdkEnv } from './helpers.ts';

const APP = { appid: 'wxcloudtest000001', secret: 'secret-of-cloud-app' };
const LIMITED: CloudEnvConfig = {
  env: 'limited-1a2b',
  appid: APP.appid,
  secretId: 'AKIDlimitedenv',
  secretKey: 'limited-env-key',
  openapi: [CLOUD_APIS.uploadTempMedia],
};
const NO_PERMISSION = { errCode: CLOUD_CALL_ERRORS.NO_PERMISSION.errorCode, errMsg: 'system error: error code: -604101' };
const codeAndMsg = (o: Record<string, unknown> | undefined) => ({ errCode: o?.['errCode'], errMsg: o?.['errMsg'] });
const RID_TAIL = / rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;

/** Just enough of the media service: image type, extension, bytes in memory. */
class MemoryMedia implements CloudMediaService {
  readonly files = new Map<string, { appid: string; contentType: string; ext: string; bytes: Buffer; filename: string }>();
  async upload(input: UploadInput): Promise<UploadResult> {
    if (input.type !== 'image') throw new WxError('INVALID_MEDIA_TYPE');
    const format = formatForFilename('image', input.filename);
    if (!format) throw new WxError('INVALID_FILE_TYPE');
    const chunks: Buffer[] = [];
    for await (const c of input.body) chunks.push(Buffer.from(c));
    const bytes = Buffer.concat(chunks);
    if (bytes.length === 0) throw new WxError('EMPTY_MEDIA_DATA');
    const mediaId = randomBytes(48).toString('base64url');
    this.files.set(mediaId, { appid: input.appid, contentType: format.mime, ext: format.ext, bytes, filename: input.filename });
    return { type: 'image', mediaId, createdAt: 1_790_000_000, size: bytes.length };
  }
  async open(appid: string, mediaId: string | undefined): Promise<OpenMediaResult> {
    const f = mediaId === undefined ? undefined : this.files.get(mediaId);
    if (!f || f.appid !== appid || mediaId === undefined) throw new WxError('INVALID_MEDIA_ID');
    return { mediaId, contentType: f.contentType, ext: f.ext, size: f.bytes.length, content: { stream: Readable.from([f.bytes]) } };
  }
}

describe('cloud gateway with the real wx-server-sdk', () => {
  let app: FastifyInstance;
  let url: string;
  const media = new MemoryMedia();
  const envs = new Map<string, CloudEnvConfig>([
    [APP.appid, implicitCloudEnv(APP)],
    [LIMITED.env, LIMITED],
  ]);

  before(async () => {
    app = Fastify({ genReqId: () => newRid(Math.floor(Date.now() / 1000)) });
    await registerCloudGateway(app, {
      env: async (id) => envs.get(id),
      media,
      clock: systemClock,
      logger: pino({ level: 'silent' }),
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => app.close());

  const appEnv = (extra: Record<string, string> = {}) => sdkEnv(url, APP.appid, APP.secret, extra);

  it('uploads a PNG and gets it back byte-identical, with the pages\' result shapes', async () => {
    const png = image('png');
    const up = await invoke(MEDIA_FN, { call: 'upload', base64: png.toString('base64') }, appEnv());
    const r = up.returned as Record<string, unknown>;
    assert.equal(r['errCode'], 0);
    assert.equal(r['errMsg'], cloudOkMessage(CLOUD_APIS.uploadTempMedia));
    assert.equal(r['type'], 'image');
    assert.equal(typeof r['createdAt'], 'number');
    assert.deepEqual(Object.keys(r).sort(), ['createdAt', 'errCode', 'errMsg', 'mediaId', 'type']);
    // The SDK names the file from the contentType (mime-db): media.png.
    assert.equal(media.files.get(String(r['mediaId']))?.filename, 'media.png');

    const got = await invoke(MEDIA_FN, { call: 'get', mediaId: r['mediaId'] }, appEnv());
    const g = got.returned as Record<string, unknown>;
    assert.deepEqual(g, {
      contentType: 'image/png',
      buffer: { base64: png.toString('base64') },
      errMsg: cloudOkMessage(CLOUD_APIS.getTempMedia),
      errCode: 0,
    });
  });

  it('a JPEG with contentType image/jpeg arrives as media.jpeg and is accepted', async () => {
    const jpg = image('jpg');
    const up = await invoke(MEDIA_FN, { call: 'upload', base64: jpg.toString('base64'), contentType: 'image/jpeg' }, appEnv());
    assert.equal(up.returned?.['errCode'], 0);
    assert.equal(media.files.get(String(up.returned?.['mediaId']))?.filename, 'media.jpeg');
  });

  it('type video → thrown errCode 40004 with the SDK\'s single fail prefix', async () => {
    const r = await invoke(MEDIA_FN, { call: 'upload', type: 'video', base64: image('png').toString('base64'), rethrow: true }, appEnv());
    assert.equal(r.threw?.['errCode'], ERRCODES.INVALID_MEDIA_TYPE.errcode);
    const errMsg = String(r.threw?.['errMsg']);
    assert.ok(errMsg.startsWith(cloudFailMessage(CLOUD_APIS.uploadTempMedia, ERRCODES.INVALID_MEDIA_TYPE.errmsg)), errMsg);
    assert.match(errMsg, RID_TAIL);
  });

  it('unknown media id → 40007 with errMsg "openapi.…getTempMedia:fail invalid media_id rid: …"', async () => {
    const r = await invoke(MEDIA_FN, { call: 'get', mediaId: 'no-such-media' }, appEnv());
    assert.equal(r.returned?.['errCode'], ERRCODES.INVALID_MEDIA_ID.errcode);
    assert.match(String(r.returned?.['errMsg']), /^openapi\.customerServiceMessage\.getTempMedia:fail invalid media_id rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
  });

  it('a wrong secretKey gets the gateway\'s signature error, as the SDK surfaces it', async () => {
    const r = await invoke(MEDIA_FN, { call: 'get', mediaId: 'x' }, sdkEnv(url, APP.appid, 'not-the-secret'));
    // SIGN_PARAM_INVALID is not in the SDK's TCB_ERR_CODE table: it reports -501001 "resource system error".
    assert.equal(r.returned?.['errCode'], -501001);
    assert.equal(r.returned?.['errMsg'], `openapi.customerServiceMessage.getTempMedia:fail -501001 resource system error. ${TCB_GATEWAY_ERRORS.SIGNATURE_MISMATCH.message}`);
  });

  it('an unknown secretId gets "secret id error"', async () => {
    const r = await invoke(MEDIA_FN, { call: 'get', mediaId: 'x' }, sdkEnv(url, 'AKIDnobody', 'whatever', scfEnv(APP.appid)));
    assert.match(String(r.returned?.['errMsg']), new RegExp(`${TCB_GATEWAY_ERRORS.UNKNOWN_SECRET_ID.message}$`));
  });

  it('an unknown env gets INVALID_ENV; so does no env with a secretId that names none', async () => {
    const r = await invoke(MEDIA_FN, { call: 'get', mediaId: 'x' }, appEnv(scfEnv('no-such-env')));
    assert.match(String(r.returned?.['errMsg']), new RegExp(`${TCB_GATEWAY_ERRORS.INVALID_ENV.message}$`));
    const bare = await invoke(MEDIA_FN, { call: 'get', mediaId: 'x' }, sdkEnv(url, 'AKIDnobody', 'whatever'));
    assert.match(String(bare.returned?.['errMsg']), new RegExp(`${TCB_GATEWAY_ERRORS.INVALID_ENV.message}$`));
  });

  it('an explicit env: its own keys work, and its openapi list is enforced (-604101)', async () => {
    const env = sdkEnv(url, LIMITED.secretId ?? '', LIMITED.secretKey ?? '', scfEnv(LIMITED.env));
    const up = await invoke(MEDIA_FN, { call: 'upload', base64: image('png').toString('base64') }, env);
    assert.equal(up.returned?.['errCode'], 0);
    const got = await invoke(MEDIA_FN, { call: 'get', mediaId: up.returned?.['mediaId'] }, env);
    assert.deepEqual(codeAndMsg(got.returned), NO_PERMISSION);
    // The app's own credentials are accepted for the app's explicit env too.
    const own = await invoke(MEDIA_FN, { call: 'upload', base64: image('png').toString('base64') }, appEnv(scfEnv(LIMITED.env)));
    assert.equal(own.returned?.['errCode'], 0);
  });

  it('a function token (WX_API_TOKEN) narrows the APIs to its config.json list', async () => {
    const token = encodeFunctionToken({ name: 'upload-only', openapi: [CLOUD_APIS.uploadTempMedia] });
    const env = appEnv({ WX_CONTEXT_KEYS: 'WX_API_TOKEN', WX_API_TOKEN: token });
    const r = await invoke(MEDIA_FN, { call: 'get', mediaId: 'x' }, env);
    assert.deepEqual(codeAndMsg(r.returned), NO_PERMISSION);
  });
});

describe('cloud gateway with raw requests signed by the SDK\'s signer', () => {
  let app: FastifyInstance;
  let url: string;
  const media = new MemoryMedia();
  before(async () => {
    app = Fastify();
    await registerCloudGateway(app, { env: async (id) => (id === APP.appid ? implicitCloudEnv(APP) : undefined), media, clock: systemClock, logger: pino({ level: 'silent' }) });
    url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/admin?env=${APP.appid}&seqId=test`;
  });
  after(() => app.close());

  const fields = (api: string, pairs: Parameters<typeof encodeCommApiData>[0]['pairs'], extra: Record<string, string> = {}) => ({
    action: 'wx.openApi',
    apiName: api,
    requestData: encodeCommApiData({ pairs }),
    envName: APP.appid,
    ...extra,
  });
  const getPairs = [{ key: 'media_id', value: Buffer.from('"nope"') }];
  const gatewayError = (r: { contentType: string; body: Buffer }) => {
    assert.equal(r.contentType, 'application/json; charset=utf-8');
    return JSON.parse(r.body.toString()) as { code: string; message: string; requestId: string };
  };

  it('a correctly signed request gets a protobuf reply with WeChat\'s JSON inside', async () => {
    const r = await rawGatewayCall({ url, secretId: APP.appid, secretKey: APP.secret, fields: fields(CLOUD_APIS.getTempMedia, getPairs) });
    assert.equal(r.contentType, 'application/octet-stream');
    const resp = decodeCommOpenApiResp(r.body);
    assert.equal(resp.errorCode, 0);
    const json = JSON.parse(resp.respData.toString()) as { errcode: number; errmsg: string };
    assert.equal(json.errcode, ERRCODES.INVALID_MEDIA_ID.errcode);
    assert.match(json.errmsg, new RegExp(`^${ERRCODES.INVALID_MEDIA_ID.errmsg}${RID_TAIL.source}`));
  });

  it('requestData altered after signing → SIGN_PARAM_INVALID', async () => {
    const r = await rawGatewayCall({
      url,
      secretId: APP.appid,
      secretKey: APP.secret,
      fields: fields(CLOUD_APIS.getTempMedia, getPairs),
      afterSign: (f) => ({ ...f, requestData: encodeCommApiData({ pairs: [{ key: 'media_id', value: Buffer.from('"other"') }] }) }),
    });
    assert.deepEqual({ ...gatewayError(r), requestId: '' }, { code: 'SIGN_PARAM_INVALID', message: TCB_GATEWAY_ERRORS.SIGNATURE_MISMATCH.message, requestId: '' });
  });

  it('a field added after signing → SIGN_PARAM_INVALID', async () => {
    const r = await rawGatewayCall({ url, secretId: APP.appid, secretKey: APP.secret, fields: fields(CLOUD_APIS.getTempMedia, getPairs), afterSign: (f) => ({ ...f, extra: 'x' }) });
    assert.equal(gatewayError(r).message, TCB_GATEWAY_ERRORS.SIGNATURE_MISMATCH.message);
  });

  it('an old timestamp → "signature is expired"; no Authorization → SIGN_PARAM_INVALID', async () => {
    const old = await rawGatewayCall({ url, secretId: APP.appid, secretKey: APP.secret, fields: fields(CLOUD_APIS.getTempMedia, getPairs), timestamp: Math.floor(Date.now() / 1000) - 3600 });
    assert.equal(gatewayError(old).message, TCB_GATEWAY_ERRORS.SIGNATURE_EXPIRED.message);
    const none = await rawGatewayCall({ url, secretId: APP.appid, secretKey: APP.secret, fields: fields(CLOUD_APIS.getTempMedia, getPairs), headers: { authorization: '' } });
    assert.equal(gatewayError(none).code, 'SIGN_PARAM_INVALID');
  });

  it('an API the function may call but wxmedia lacks → errorCode -604100; one it may not → -604101', async () => {
    const token = encodeFunctionToken({ name: 'f', openapi: ['security.msgSecCheck'] });
    const found = await rawGatewayCall({ url, secretId: APP.appid, secretKey: APP.secret, fields: fields('security.msgSecCheck', [], { wxCloudApiToken: token }) });
    assert.equal(decodeCommOpenApiResp(found.body).errorCode, CLOUD_CALL_ERRORS.API_NOT_FOUND.errorCode);
    const denied = await rawGatewayCall({ url, secretId: APP.appid, secretKey: APP.secret, fields: fields('security.msgSecCheck', []) });
    assert.equal(decodeCommOpenApiResp(denied.body).errorCode, CLOUD_CALL_ERRORS.NO_PERMISSION.errorCode);
  });

  it('an action other than wx.openApi → INVALID_PARAM', async () => {
    const r = await rawGatewayCall({ url, secretId: APP.appid, secretKey: APP.secret, fields: { ...fields(CLOUD_APIS.getTempMedia, getPairs), action: 'wx.api' } });
    assert.equal(gatewayError(r).code, 'INVALID_PARAM');
  });
});

describe('cloud gateway body bound', () => {
  it('a body over maxRequestBytes gets EXCEED_MAX_PAYLOAD_SIZE, not a reset', async () => {
    const app = Fastify();
    await registerCloudGateway(app, {
      env: async (id) => (id === APP.appid ? implicitCloudEnv(APP) : undefined),
      media: new MemoryMedia(),
      clock: systemClock,
      logger: pino({ level: 'silent' }),
      maxRequestBytes: 64 * 1024,
    });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const big = encodeCommApiData({ pairs: [{ key: 'media', value: randomBytes(200 * 1024), filename: 'media.png' }] });
      const r = await rawGatewayCall({
        url: `${base}/admin?env=${APP.appid}&seqId=big`,
        secretId: APP.appid,
        secretKey: APP.secret,
        fields: { action: 'wx.openApi', apiName: CLOUD_APIS.uploadTempMedia, requestData: big },
      });
      assert.equal(r.contentType, 'application/json; charset=utf-8');
      assert.equal((JSON.parse(r.body.toString()) as { code: string }).code, TCB_GATEWAY_ERRORS.PAYLOAD_TOO_LARGE.code);
    } finally {
      await app.close();
    }
  });
});

/** Pure parts of the gateway: the --cloud-env flag, permission rules, credentials, the function token, protobuf. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLOUD_APIS } from '@wxmedia/protocol';
import { DEFAULT_CLOUD_OPENAPI, acceptedSecretKey, implicitCloudEnv, isApiAllowed, type CloudEnvConfig } from '../../packages/server/src/cloud/envs.ts';
import { CloudEnvFlagError, parseCloudEnvFlag } from '../../packages/server/src/cloud/env-rules.ts';
import { decodeFunctionToken, encodeFunctionToken } from '../../packages/server/src/cloud/function-token.ts';
import { mediaFilename } from '../../packages/server/src/cloud/dispatch.ts';
import { decodeCommApiData, decodeCommOpenApiResp, encodeCommApiData, encodeCommOpenApiResp } from '../../packages/server/src/cloud/protobuf.ts';
import { parseTc3Authorization } from '../../packages/server/src/cloud/tc3-signature.ts';

describe('parseCloudEnvFlag', () => {
  it('ENV=APPID: the app\'s own credentials, both media APIs', () => {
    assert.deepEqual(parseCloudEnvFlag('dev-1a2b=wx0123456789abcdef'), { env: 'dev-1a2b', appid: 'wx0123456789abcdef' });
  });
  it('ENV=APPID:SECRETID:SECRETKEY@API,API', () => {
    assert.deepEqual(parseCloudEnvFlag('prod=wxabc:AKIDx:k3y@customerServiceMessage.getTempMedia,customerServiceMessage.getTempMedia'), {
      env: 'prod',
      appid: 'wxabc',
      secretId: 'AKIDx',
      secretKey: 'k3y',
      openapi: [CLOUD_APIS.getTempMedia],
    });
  });
  for (const [text, hint] of [
    ['dev', /missing "="/],
    ['bad env!=wx1', /env id "bad env!"/],
    ['dev=', /appid ""/],
    ['dev=wx1:onlyid', /both SECRETID and SECRETKEY/],
    ['dev=wx1@', /at least one API/],
    ['dev=wx1@uploadTempMedia', /not an API name/],
  ] as const) {
    it(`refuses ${JSON.stringify(text)} saying what to fix`, () => {
      assert.throws(() => parseCloudEnvFlag(text), (e: unknown) => e instanceof CloudEnvFlagError && hint.test(e.message) && /expected ENV=APPID/.test(e.message));
    });
  }
  it('never repeats the secret key in a message', () => {
    assert.throws(() => parseCloudEnvFlag('dev=wx1:id:super-secret-key:extra'), (e: unknown) => e instanceof Error && !e.message.includes('super-secret-key'));
  });
});

describe('permissions and credentials', () => {
  const app = implicitCloudEnv({ appid: 'wxapp', secret: 'app-secret' });
  const limited: CloudEnvConfig = { env: 'lim', appid: 'wxapp', secretId: 'AKID', secretKey: 'k', openapi: [CLOUD_APIS.uploadTempMedia] };
  it('an env without a list allows the two media APIs; a function list narrows it and may name others', () => {
    for (const api of DEFAULT_CLOUD_OPENAPI) assert.ok(isApiAllowed(api, app, undefined));
    assert.ok(!isApiAllowed('security.msgSecCheck', app, undefined));
    assert.ok(!isApiAllowed(CLOUD_APIS.getTempMedia, app, [CLOUD_APIS.uploadTempMedia]));
    assert.ok(isApiAllowed('security.msgSecCheck', app, ['security.msgSecCheck']));
    assert.ok(!isApiAllowed(CLOUD_APIS.getTempMedia, app, []));
  });
  it('an env list caps every function', () => {
    assert.ok(!isApiAllowed(CLOUD_APIS.getTempMedia, limited, DEFAULT_CLOUD_OPENAPI));
    assert.ok(isApiAllowed(CLOUD_APIS.uploadTempMedia, limited, undefined));
  });
  it('accepts the env\'s keys and the app\'s own, nothing else', async () => {
    const lookup = async (id: string) => (id === 'wxapp' ? app : undefined);
    assert.equal(await acceptedSecretKey(limited, 'AKID', lookup), 'k');
    assert.equal(await acceptedSecretKey(limited, 'wxapp', lookup), 'app-secret');
    assert.equal(await acceptedSecretKey(app, 'wxapp', lookup), 'app-secret');
    assert.equal(await acceptedSecretKey(limited, 'AKIDother', lookup), undefined);
    assert.equal(await acceptedSecretKey({ env: 'e', appid: 'wxapp' }, 'wxapp', lookup), 'app-secret');
  });
});

describe('function token', () => {
  it('round-trips and ignores tokens that are not ours', () => {
    const fn = { name: 'media-fn', openapi: [CLOUD_APIS.uploadTempMedia] };
    assert.deepEqual(decodeFunctionToken(encodeFunctionToken(fn)), fn);
    assert.equal(decodeFunctionToken(''), undefined);
    assert.equal(decodeFunctionToken('a-real-wechat-token'), undefined);
    assert.throws(() => decodeFunctionToken('wxmedia-fn.!!!'));
  });
});

describe('media filename', () => {
  it('keeps a known extension, appends one from the MIME type otherwise', () => {
    assert.equal(mediaFilename({ filename: 'media.png', contenttype: '' }), 'media.png');
    assert.equal(mediaFilename({ filename: 'photo', contenttype: 'image/jpeg' }), 'photo.jpg');
    assert.equal(mediaFilename({ filename: 'photo.heic', contenttype: 'image/png; x=y' }), 'photo.heic.png');
    assert.equal(mediaFilename({ filename: 'photo', contenttype: '' }), 'photo');
  });
});

describe('protobuf and Authorization parsing', () => {
  it('CommApiData and CommOpenApiResp round-trip', () => {
    const bytes = encodeCommApiData({ pairs: [{ key: 'media', value: Buffer.from([0, 1, 2]), filename: 'media.png' }], appid: 'wx' });
    const data = decodeCommApiData(bytes);
    assert.equal(data.apiType, 0);
    assert.equal(data.appid, 'wx');
    assert.deepEqual(data.pairs, [{ key: 'media', value: Buffer.from([0, 1, 2]), contenttype: '', filename: 'media.png' }]);
    const resp = decodeCommOpenApiResp(encodeCommOpenApiResp({ errorCode: -604101 }));
    assert.equal(resp.errorCode, -604101);
    assert.equal(resp.respData.length, 0);
  });
  it('refuses bytes that are not a CommApiData', () => {
    assert.throws(() => decodeCommApiData(Buffer.from([0xff, 0xff, 0xff])));
  });
  it('parses the SDK\'s Authorization and refuses others', () => {
    const sig = 'a'.repeat(64);
    assert.deepEqual(
      parseTc3Authorization(`TC3-HMAC-SHA256 Credential=wx1/2026-11-22/tcb/tc3_request, SignedParams=action;apiname;requestdata, SignedHeaders=content-type;host, Signature=${sig}`),
      { secretId: 'wx1', date: '2026-11-22', service: 'tcb', signedParams: ['action', 'apiname', 'requestdata'], signedHeaders: ['content-type', 'host'], signature: sig },
    );
    assert.equal(parseTc3Authorization('Bearer x'), undefined);
    assert.equal(parseTc3Authorization(`TC3-HMAC-SHA256 Credential=wx1/2026-11-22/tcb, SignedHeaders=host, Signature=${sig}`), undefined);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLOUD_APIS } from '@wxmedia/protocol';
import { CloudEnvFlagError, cloudEnvProblem, parseCloudEnvFlag } from './env-rules.ts';

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

describe('cloudEnvProblem (a cloud env given as data)', () => {
  it('accepts what parseCloudEnvFlag makes', () => {
    for (const flag of ['dev-1a2b=wx0123456789abcdef', 'prod=wxabc:AKIDx:k3y@customerServiceMessage.getTempMedia']) {
      assert.equal(cloudEnvProblem(parseCloudEnvFlag(flag)), undefined, flag);
    }
  });
  it('refuses what the flag would refuse, saying what to fix', () => {
    assert.match(cloudEnvProblem({ env: 'bad env!', appid: 'wx1' }) ?? '', /env id "bad env!"/);
    assert.match(cloudEnvProblem({ env: 'dev', appid: 'wx1', secretKey: 'k' }) ?? '', /^env dev: give both secretId and secretKey/);
    assert.match(cloudEnvProblem({ env: 'dev', appid: 'wx1', openapi: ['uploadTempMedia'] }) ?? '', /not an API name/);
    assert.match(cloudEnvProblem({ env: 'dev', appid: 'wx1', secretid: 'x' }) ?? '', /unknown field "secretid"/);
    assert.match(cloudEnvProblem(null) ?? '', /must be an object/);
  });
});

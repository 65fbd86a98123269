import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, resolveOptions, type ServerOptions } from './config.ts';

/** resolveOptions refusing `options` (as parsed from a JSON config file: any shape) with a ConfigError matching `message`. */
function refuses(options: Record<string, unknown>, message: RegExp): void {
  assert.throws(() => resolveOptions({ dataDir: '/tmp/unused', ...options } as ServerOptions), (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.match(e.message, message);
    return true;
  });
}

describe('resolveOptions', () => {
  it('fills in the defaults', () => {
    const o = resolveOptions({ dataDir: '/tmp/unused' });
    assert.deepEqual(o.contentTypes, { media: 'text/plain', api: 'application/json; encoding=utf-8' });
    assert.equal(o.sweepIntervalSeconds, 60);
    assert.deepEqual(o.cloudEnvs, []);
  });

  it('checks apps by the rules the admin API uses', () => {
    refuses({ apps: [{ appid: 'no spaces', secret: 'long-enough' }] }, /^app "no spaces": appid must be 1-64 characters/);
    refuses({ apps: [{ appid: 'wx1', secret: 'short' }] }, /^app "wx1": secret must be a string of at least 8 characters/);
    refuses({ apps: [{ appid: 'wx1', secret: 'long-enough', kind: 'game' }] }, /^app "wx1": kind must be "miniprogram" or "official"/);
    refuses({ apps: [{ appid: 'wx1', secret: 'long-enough' }, { appid: 'wx1', secret: 'long-enough' }] }, /configured twice/);
  });

  it('checks cloud envs from data by the rules --cloud-env follows', () => {
    const ok = { env: 'dev-1', appid: 'wx1', secretId: 'AKID', secretKey: 'key', openapi: ['customerServiceMessage.getTempMedia'] };
    assert.deepEqual(resolveOptions({ dataDir: '/tmp/unused', cloudEnvs: [ok] }).cloudEnvs, [ok]);
    refuses({ cloudEnvs: { env: 'dev' } }, /cloudEnvs must be a list/);
    refuses({ cloudEnvs: ['dev=wx1'] }, /^cloudEnvs\[0\]: must be an object/);
    refuses({ cloudEnvs: [{ env: 'bad env', appid: 'wx1' }] }, /^cloudEnvs\[0\]: env id "bad env" must be 1-40 letters/);
    refuses({ cloudEnvs: [{ env: 'dev', appid: '' }] }, /^cloudEnvs\[0\]: env dev: appid "" must be/);
    refuses({ cloudEnvs: [{ env: 'dev', appid: 'wx1', secretId: 'AKID' }] }, /give both secretId and secretKey, or neither/);
    refuses({ cloudEnvs: [{ env: 'dev', appid: 'wx1', secretID: 'AKID' }] }, /unknown field "secretID"/);
    refuses({ cloudEnvs: [{ env: 'dev', appid: 'wx1', openapi: [] }] }, /openapi must be a non-empty list/);
    refuses({ cloudEnvs: [{ env: 'dev', appid: 'wx1', openapi: ['uploadTempMedia'] }] }, /"uploadTempMedia" is not an API name/);
    refuses({ cloudEnvs: [{ env: 'dev', appid: 'wx1' }, { env: 'dev', appid: 'wx2' }] }, /cloud env dev is configured twice/);
  });

  it('never quotes a secretKey in a message', () => {
    refuses({ cloudEnvs: [{ env: 'dev', appid: 'wx1', secretId: 'AKID', secretKey: 'has a space secret-value' }] }, /^(?!.*secret-value).*secretKey must be/);
  });

  it('checks contentTypes, maxBytes, dailyQuotas and timeouts, naming an unknown key', () => {
    assert.equal(resolveOptions({ dataDir: '/tmp/unused', contentTypes: { media: 'application/json' } }).contentTypes.media, 'application/json');
    refuses({ contentTypes: { media: 'json' } }, /contentTypes\.media must be a media type/);
    refuses({ contentTypes: { api: 'text/plain\r\nX-Evil: 1' } }, /contentTypes\.api must be a media type/);
    refuses({ contentTypes: { html: 'text/html' } }, /contentTypes has no "html": it takes media, api/);
    refuses({ maxBytes: { picture: 1 } }, /maxBytes has no "picture": it takes image, voice, video, thumb/);
    refuses({ maxBytes: { image: 0 } }, /size limit of image must be a positive integer/);
    refuses({ dailyQuotas: { '/cgi-bin/nope': 1 } }, /dailyQuotas has no "\/cgi-bin\/nope"/);
    refuses({ timeouts: { headerSeconds: 1 } }, /timeouts has no "headerSeconds": it takes headersSeconds, idleSeconds, minBodyBytesPerSecond/);
  });
});

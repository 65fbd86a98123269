import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLOUD_APIS } from '@wxmedia/protocol';
import { decodeFunctionToken, encodeFunctionToken } from './function-token.ts';

describe('function token', () => {
  it('round-trips and ignores tokens that are not ours', () => {
    const fn = { name: 'media-fn', openapi: [CLOUD_APIS.uploadTempMedia] };
    assert.deepEqual(decodeFunctionToken(encodeFunctionToken(fn)), fn);
    assert.equal(decodeFunctionToken(''), undefined);
    assert.equal(decodeFunctionToken('a-real-wechat-token'), undefined);
    assert.throws(() => decodeFunctionToken('wxmedia-fn.!!!'));
  });
});

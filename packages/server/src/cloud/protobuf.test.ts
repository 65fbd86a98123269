import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCommApiData, decodeCommOpenApiResp, encodeCommApiData, encodeCommOpenApiResp } from './protobuf.ts';

describe('protobuf messages', () => {
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
});

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { appTag } from './signing.ts';

const tagOf = (key: Uint8Array, appid: string) => createHmac('sha256', key).update(`app:${appid}`).digest().subarray(0, 8);

describe('appTag', () => {
  it('is the HMAC of the appid under the key, remembered per key and appid, past the memo bound too', () => {
    const key = Buffer.alloc(32, 1);
    const other = Buffer.alloc(32, 2);
    assert.deepEqual(appTag(key, 'wxa'), tagOf(key, 'wxa'));
    assert.deepEqual(appTag(key, 'wxa'), tagOf(key, 'wxa'), 'asked again');
    assert.deepEqual(appTag(other, 'wxa'), tagOf(other, 'wxa'), 'another key, another tag');
    assert.notDeepEqual(appTag(other, 'wxa'), appTag(key, 'wxa'));
    assert.deepEqual(appTag(key, 'wxb'), tagOf(key, 'wxb'));
    // More apps than the memo keeps: it starts over, every answer stays right.
    for (let i = 0; i < 2_500; i++) assert.deepEqual(appTag(key, `wx${i}`), tagOf(key, `wx${i}`));
    assert.deepEqual(appTag(key, 'wxa'), tagOf(key, 'wxa'));
  });
});

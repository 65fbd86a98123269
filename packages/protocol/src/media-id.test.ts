import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MEDIA_TTL_SECONDS } from './limits.ts';
import { MEDIA_ID_PATTERN, checkMediaId, mediaIdCreatedAt, mintMediaId, readMediaId } from './media-id.ts';
import { MEDIA_FORMATS } from './media-rules.ts';

const KEY = Buffer.from('k'.repeat(64));
const OTHER_KEY = Buffer.from('o'.repeat(64));
const T = 1_795_300_000;
const PNG = MEDIA_FORMATS.find((f) => f.ext === 'png')!;

describe('media ids', () => {
  it('are 64 characters of [A-Za-z0-9_-], all different, and carry their creation time and format', () => {
    const ids = new Set(Array.from({ length: 200 }, () => mintMediaId(KEY, 'wxapp', T, PNG)));
    assert.equal(ids.size, 200);
    for (const id of ids) {
      assert.match(id, MEDIA_ID_PATTERN);
      assert.equal(mediaIdCreatedAt(id), T);
      const read = readMediaId(KEY, id);
      assert.ok(read.ok && read.facts.format === PNG && read.facts.createdAt === T);
    }
  });

  it('tell malformed, forged, foreign and expired apart, without storage', () => {
    const id = mintMediaId(KEY, 'wxapp', T, PNG);
    assert.deepEqual(checkMediaId(KEY, id, 'wxapp', T), { ok: true, facts: { createdAt: T, format: PNG } });
    for (const bad of ['', 'short', `${id}x`, id.replace(/.$/, '!'), '../'.repeat(22).slice(0, 64)]) {
      assert.deepEqual(checkMediaId(KEY, bad, 'wxapp', T), { ok: false, reason: 'malformed' }, bad);
    }
    const flipped = `${id.slice(0, 20)}${id[20] === 'A' ? 'B' : 'A'}${id.slice(21)}`;
    assert.deepEqual(checkMediaId(KEY, flipped, 'wxapp', T), { ok: false, reason: 'forged' });
    assert.deepEqual(checkMediaId(OTHER_KEY, id, 'wxapp', T), { ok: false, reason: 'forged' }, 'another server\'s key');
    assert.deepEqual(checkMediaId(KEY, id, 'wxother', T), { ok: false, reason: 'foreign' });
    assert.equal(checkMediaId(KEY, id, 'wxapp', T + MEDIA_TTL_SECONDS - 1).ok, true);
    assert.deepEqual(checkMediaId(KEY, id, 'wxapp', T + MEDIA_TTL_SECONDS), { ok: false, reason: 'expired' });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MEDIA_FORMATS,
  MEDIA_ID_PATTERN,
  MEDIA_TTL_SECONDS,
  checkMediaId,
  mediaIdCreatedAt,
  mintAccessToken,
  mintMediaId,
  readAccessToken,
  readMediaId,
} from '@wxmedia/protocol';

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

describe('access tokens', () => {
  const facts = { appid: 'wx0123456789abcdef', lane: 'stable', generation: 7, issuedAt: T } as const;

  it('round-trip their facts, and minting is deterministic (stable_token hands the same one out again)', () => {
    const token = mintAccessToken(KEY, facts);
    assert.equal(mintAccessToken(KEY, facts), token);
    assert.notEqual(mintAccessToken(KEY, { ...facts, generation: 8 }), token);
    assert.deepEqual(readAccessToken(KEY, token), { ok: true, facts });
  });

  it('malformed (40014) versus forged (40001)', () => {
    const token = mintAccessToken(KEY, facts);
    for (const bad of ['', 'abc', `${token}!`, 'A'.repeat(64), token.slice(0, -4)]) {
      assert.deepEqual(readAccessToken(KEY, bad), { ok: false, reason: 'malformed' }, bad);
    }
    assert.deepEqual(readAccessToken(OTHER_KEY, token), { ok: false, reason: 'forged' });
    const tampered = mintAccessToken(OTHER_KEY, { ...facts, appid: 'wxattacker000000000' });
    assert.deepEqual(readAccessToken(KEY, tampered), { ok: false, reason: 'forged' });
  });
});

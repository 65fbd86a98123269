import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mintAccessToken, readAccessToken } from './access-token.ts';

const KEY = Buffer.from('k'.repeat(64));
const OTHER_KEY = Buffer.from('o'.repeat(64));
const T = 1_795_300_000;

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

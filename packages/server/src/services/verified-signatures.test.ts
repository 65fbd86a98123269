import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MEDIA_FORMATS, MEDIA_TTL_SECONDS, TOKEN_TTL_SECONDS, mintAccessToken, mintMediaId } from '@wxmedia/protocol';
import { ManualClock, MemoryStateStore, WxError } from '@wxmedia/server';
import { nowSeconds } from '../clock.ts';
import { AppRegistry } from './apps.ts';
import { TokenService } from './tokens.ts';
import { BoundedMap, VerifiedMediaIds, VerifiedTokens, verifiedMediaIds, verifiedTokens } from './verified-signatures.ts';

const KEY = Buffer.alloc(32, 7);
const OTHER_KEY = Buffer.alloc(32, 8);
const T = 1_790_000_000;
const PNG = MEDIA_FORMATS.find((f) => f.ext === 'png')!;

/** The token with one character of its MAC changed: well formed, signature wrong. */
function forge(s: string): string {
  const last = s.at(-2) === 'A' ? 'B' : 'A';
  return `${s.slice(0, -2)}${last}${s.at(-1)}`;
}

describe('BoundedMap', () => {
  it('keeps at most max entries, dropping the oldest added', () => {
    const map = new BoundedMap<number>(2);
    map.set('a', 1);
    map.set('b', 2);
    assert.equal(map.get('a'), 1);
    map.set('c', 3);
    assert.equal(map.size, 2);
    assert.equal(map.get('a'), undefined);
    assert.equal(map.get('b'), 2);
    assert.equal(map.get('c'), 3);
    map.set('b', 20); // already there: replaced, nothing dropped
    assert.equal(map.size, 2);
    assert.equal(map.get('b'), 20);
  });
});

describe('VerifiedTokens', () => {
  const token = mintAccessToken(KEY, { appid: 'wxapp', lane: 'token', generation: 3, issuedAt: T });

  it('verifies once, then answers from memory with the same facts', () => {
    const cache = new VerifiedTokens(KEY);
    const first = cache.read(token);
    assert.deepEqual(first, { ok: true, facts: { appid: 'wxapp', lane: 'token', generation: 3, issuedAt: T } });
    assert.equal(cache.size, 1);
    assert.equal(cache.read(token), first, 'a hit returns the remembered answer, no HMAC');
    assert.equal(cache.size, 1);
  });

  it('never remembers a forged or malformed token', () => {
    const cache = new VerifiedTokens(KEY);
    assert.deepEqual(cache.read(forge(token)), { ok: false, reason: 'forged' });
    assert.deepEqual(cache.read('not-a-token'), { ok: false, reason: 'malformed' });
    assert.deepEqual(new VerifiedTokens(OTHER_KEY).read(token), { ok: false, reason: 'forged' }, "another key's cache");
    assert.equal(cache.size, 0);
  });

  it('is bounded', () => {
    const cache = new VerifiedTokens(KEY, 3);
    for (let generation = 1; generation <= 5; generation++) {
      assert.equal(cache.read(mintAccessToken(KEY, { appid: 'wxapp', lane: 'stable', generation, issuedAt: T })).ok, true);
    }
    assert.equal(cache.size, 3);
  });

  it('is one per signing key', () => {
    assert.equal(verifiedTokens(KEY), verifiedTokens(KEY));
    assert.notEqual(verifiedTokens(KEY), verifiedTokens(OTHER_KEY));
    verifiedTokens(KEY).read(token);
    assert.equal(verifiedTokens(OTHER_KEY).read(token).ok, false, 'a token verified under one key is not known to another');
  });

  it('leaves expiry to the clock: a remembered token still expires (TokenService)', async () => {
    const state = new MemoryStateStore();
    const clock = new ManualClock(T * 1000);
    const apps = new AppRegistry(state);
    await apps.init([{ appid: 'wxclock', secret: 'wxclock-secret-000000000000000000' }], nowSeconds(clock));
    const key = Buffer.alloc(32, 9);
    const tokens = new TokenService({ state, apps, clock, key });
    const app = (await apps.get('wxclock'))!;
    const { accessToken } = await tokens.issue(app);
    assert.equal((await tokens.verify(accessToken)).appid, 'wxclock');
    assert.equal((await tokens.verify(accessToken)).appid, 'wxclock');
    assert.equal(verifiedTokens(key).size, 1, 'remembered after the first verify');
    clock.advance(TOKEN_TTL_SECONDS);
    await assert.rejects(tokens.verify(accessToken), (e: unknown) => e instanceof WxError && e.errcode === 42001);
    clock.set(T * 1000);
    // Revocation (force refresh, reset) is state, checked on every call too.
    await tokens.revokeAll('wxclock');
    await assert.rejects(tokens.verify(accessToken), (e: unknown) => e instanceof WxError && e.errcode === 40001);
  });
});

describe('VerifiedMediaIds', () => {
  const id = mintMediaId(KEY, 'wxapp', T, PNG);

  it('verifies once, then answers from memory with the same facts', () => {
    const cache = new VerifiedMediaIds(KEY);
    const first = cache.check(id, 'wxapp', T, MEDIA_TTL_SECONDS);
    assert.deepEqual(first, { ok: true, facts: { createdAt: T, format: PNG } });
    assert.equal(cache.check(id, 'wxapp', T + 1, MEDIA_TTL_SECONDS), first, 'a hit returns the remembered answer, no HMAC');
    assert.equal(cache.size, 1);
  });

  it('still judges expiry on every call, by the time it is given', () => {
    const cache = new VerifiedMediaIds(KEY);
    assert.equal(cache.check(id, 'wxapp', T, MEDIA_TTL_SECONDS).ok, true);
    assert.equal(cache.check(id, 'wxapp', T + MEDIA_TTL_SECONDS - 1, MEDIA_TTL_SECONDS).ok, true);
    assert.deepEqual(cache.check(id, 'wxapp', T + MEDIA_TTL_SECONDS, MEDIA_TTL_SECONDS), { ok: false, reason: 'expired' });
    assert.equal(cache.check(id, 'wxapp', T, MEDIA_TTL_SECONDS).ok, true, 'time travel back: valid again, as without the cache');
  });

  it('still refuses a remembered id to another app', () => {
    const cache = new VerifiedMediaIds(KEY);
    assert.equal(cache.check(id, 'wxapp', T, MEDIA_TTL_SECONDS).ok, true);
    assert.deepEqual(cache.check(id, 'wxother', T, MEDIA_TTL_SECONDS), { ok: false, reason: 'foreign' });
    assert.equal(cache.check(id, 'wxapp', T, MEDIA_TTL_SECONDS).ok, true);
  });

  it('never remembers a forged, malformed, foreign or expired id', () => {
    const cache = new VerifiedMediaIds(KEY);
    assert.deepEqual(cache.check(forge(id), 'wxapp', T, MEDIA_TTL_SECONDS), { ok: false, reason: 'forged' });
    assert.deepEqual(cache.check('short', 'wxapp', T, MEDIA_TTL_SECONDS), { ok: false, reason: 'malformed' });
    assert.deepEqual(cache.check(id, 'wxother', T, MEDIA_TTL_SECONDS), { ok: false, reason: 'foreign' });
    assert.deepEqual(cache.check(id, 'wxapp', T + MEDIA_TTL_SECONDS, MEDIA_TTL_SECONDS), { ok: false, reason: 'expired' });
    assert.equal(cache.size, 0);
    assert.deepEqual(new VerifiedMediaIds(OTHER_KEY).check(id, 'wxapp', T, MEDIA_TTL_SECONDS), { ok: false, reason: 'forged' });
  });

  it('is bounded, and one per signing key', () => {
    const cache = new VerifiedMediaIds(KEY, 2);
    for (let i = 0; i < 4; i++) assert.equal(cache.check(mintMediaId(KEY, 'wxapp', T, PNG), 'wxapp', T, MEDIA_TTL_SECONDS).ok, true);
    assert.equal(cache.size, 2);
    assert.equal(verifiedMediaIds(KEY), verifiedMediaIds(KEY));
    assert.notEqual(verifiedMediaIds(KEY), verifiedMediaIds(OTHER_KEY));
  });
});

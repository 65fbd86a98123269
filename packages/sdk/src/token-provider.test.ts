// The token provider alone: cache until shortly before expiry, single flight, a shared cache's lock, and the
// rejected-token path.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AccessTokenReply } from '@wxmedia/protocol';
import { MemoryTokenCache, type TokenCache } from './token-cache.ts';
import { CredentialTokenProvider, type TokenGrant } from './token-provider.ts';

function counter(expiresIn = 7200): { fetch: (grant: TokenGrant) => Promise<AccessTokenReply>; calls: TokenGrant[] } {
  const calls: TokenGrant[] = [];
  return {
    calls,
    fetch: async (grant) => {
      calls.push(grant);
      await new Promise((r) => setImmediate(r)); // let concurrent callers pile up
      return { access_token: `token-${calls.length}`, expires_in: expiresIn };
    },
  };
}

describe('CredentialTokenProvider', () => {
  test('stable_token by default, and cached until 300 s before expiry', async () => {
    let now = 1_000_000;
    const f = counter();
    const p = new CredentialTokenProvider({ appid: 'wxa', fetch: f.fetch, now: () => now });
    assert.equal(await p.getToken(), 'token-1');
    now += (7200 - 301) * 1000;
    assert.equal(await p.getToken(), 'token-1');
    now += 2000;
    assert.equal(await p.getToken(), 'token-2', 'refreshed inside the last 300 s');
    assert.deepEqual(f.calls, ['stable_token', 'stable_token']);
  });

  test('a short lifetime is refreshed at half-life, not after it ran out', async () => {
    let now = 0;
    const f = counter(400);
    const p = new CredentialTokenProvider({ appid: 'wxa', fetch: f.fetch, now: () => now });
    await p.getToken();
    now += 199_000;
    assert.equal(await p.getToken(), 'token-1');
    now += 2_000;
    assert.equal(await p.getToken(), 'token-2');
  });

  test('single flight: fifty concurrent callers, one fetch', async () => {
    const f = counter();
    const p = new CredentialTokenProvider({ appid: 'wxa', grant: 'token', fetch: f.fetch });
    const tokens = await Promise.all(Array.from({ length: 50 }, () => p.getToken()));
    assert.equal(new Set(tokens).size, 1);
    assert.deepEqual(f.calls, ['token']);
  });

  test('a rejected token is never handed out again; a different cached one is used without a fetch', async () => {
    const f = counter();
    const cache = new MemoryTokenCache();
    const p = new CredentialTokenProvider({ appid: 'wxa', fetch: f.fetch, cache });
    const first = await p.getToken();
    const second = await p.getToken({ rejected: first });
    assert.notEqual(second, first);
    assert.equal(f.calls.length, 2);
    // Another process already refreshed: the rejected token's holder takes the cached one.
    assert.equal(await p.getToken({ rejected: 'some-older-token' }), second);
    assert.equal(f.calls.length, 2);
  });

  test('two providers on one shared cache (two processes, say) refresh once between them', async () => {
    const f = counter();
    const cache = new MemoryTokenCache();
    const a = new CredentialTokenProvider({ appid: 'wxa', fetch: f.fetch, cache, lockPollMs: 5 });
    const b = new CredentialTokenProvider({ appid: 'wxa', fetch: f.fetch, cache, lockPollMs: 5 });
    const tokens = await Promise.all([a.getToken(), b.getToken(), a.getToken(), b.getToken()]);
    assert.equal(new Set(tokens).size, 1);
    assert.equal(f.calls.length, 1);
  });

  test('a cache without lock still works (each process refreshes for itself)', async () => {
    const map = new Map<string, unknown>();
    const plain: TokenCache = {
      get: async (k) => map.get(k) as never,
      set: async (k, v) => void map.set(k, v),
    };
    const f = counter();
    const p = new CredentialTokenProvider({ appid: 'wxa', fetch: f.fetch, cache: plain });
    assert.equal(await p.getToken(), await p.getToken());
    assert.equal(f.calls.length, 1);
  });

  test('a failed fetch reaches every waiting caller, and the next call tries again', async () => {
    let fail = true;
    const p = new CredentialTokenProvider({
      appid: 'wxa',
      fetch: async () => {
        if (fail) throw new Error('boom');
        return { access_token: 'ok-token', expires_in: 7200 };
      },
    });
    const results = await Promise.allSettled([p.getToken(), p.getToken()]);
    assert.ok(results.every((r) => r.status === 'rejected'));
    fail = false;
    assert.equal(await p.getToken(), 'ok-token');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TOKEN_OVERLAP_SECONDS, TOKEN_TTL_SECONDS, readAccessToken } from '@wxmedia/protocol';
import { ManualClock, nowSeconds } from '../clock.ts';
import { MemoryStateStore } from '../storage/memory-state-store.ts';
import { AppRegistry } from './apps.ts';
import { TokenService } from './tokens.ts';

const T = 1_790_000_000;
const KEY = Buffer.alloc(32, 7);
const APP = { appid: 'wxrace', secret: 'wxrace-secret-00000000000000000000' };

/** Two instances (TokenServices) on one state store, as two servers on one Redis. */
async function twoInstances(state = new MemoryStateStore()) {
  const clock = new ManualClock(T * 1000);
  const apps = new AppRegistry(state);
  await apps.init([APP], nowSeconds(clock));
  const app = (await apps.get(APP.appid))!;
  const make = () => new TokenService({ state, apps, clock, key: KEY });
  return { state, clock, app, make, a: make(), b: make() };
}

/** A store where another instance writes `key` right after a read of it finds nothing (once). */
class WrittenAfterFirstMiss extends MemoryStateStore {
  #pending: { key: string; value: string } | undefined;
  afterMiss(key: string, value: string): void {
    this.#pending = { key, value };
  }
  override async get(key: string): Promise<string | undefined> {
    const value = await super.get(key);
    const pending = this.#pending;
    if (value === undefined && pending?.key === key) {
      this.#pending = undefined;
      await this.set(pending.key, pending.value);
    }
    return value;
  }
}

const generationOf = (token: string) => {
  const read = readAccessToken(KEY, token);
  assert.ok(read.ok);
  return read.facts.generation;
};

describe('TokenService across instances, mid-rotation', () => {
  it('stable_token: an instance that finds a generation still being written waits for it instead of making another', async () => {
    const { state, clock, app, a, b } = await twoInstances();
    assert.equal(generationOf((await a.stable(app, false)).accessToken), 1);
    clock.advance(TOKEN_TTL_SECONDS - TOKEN_OVERLAP_SECONDS); // due for replacement
    // Another instance has counted generation 2 and not yet written its record (rotate()'s two steps).
    await state.incr(`stable-gen:${APP.appid}`);
    const asked = b.stable(app, false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = nowSeconds(clock);
    await state.set(`stable-rec:${APP.appid}:2`, JSON.stringify({ issuedAt: now, previousValidUntil: now + TOKEN_OVERLAP_SECONDS }));
    assert.equal(generationOf((await asked).accessToken), 2, 'the token the other instance made, not a third generation');
  });

  it('stable_token: a record written between two reads of it does not make the new token look due', async () => {
    const state = new WrittenAfterFirstMiss();
    const { clock, app, a, b } = await twoInstances(state);
    assert.equal(generationOf((await a.stable(app, false)).accessToken), 1);
    clock.advance(TOKEN_TTL_SECONDS - TOKEN_OVERLAP_SECONDS);
    // Another instance has counted generation 2 and writes its record just after this instance's first read of it.
    await state.incr(`stable-gen:${APP.appid}`);
    const now = nowSeconds(clock);
    state.afterMiss(`stable-rec:${APP.appid}:2`, JSON.stringify({ issuedAt: now, previousValidUntil: now + TOKEN_OVERLAP_SECONDS }));
    assert.equal(generationOf((await b.stable(app, false)).accessToken), 2, 'the token the other instance made, not a third generation');
  });

  it('a token stays valid while its successor is counted but not yet written, and is replaced once it is', async () => {
    const { state, app, make, a, b } = await twoInstances();
    const { accessToken } = await a.issue(app);
    await state.incr(`token-gen:${APP.appid}`); // another instance is issuing generation 2: counted, record not yet written
    assert.equal((await b.verify(accessToken)).appid, APP.appid);
    // Its record written, with no overlap (as a revocation makes it): generation 1 is refused from then on.
    await state.set(`token-rec:${APP.appid}:2`, JSON.stringify({ issuedAt: T, previousValidUntil: T }));
    await assert.rejects(make().verify(accessToken), /replaced/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StateStore } from './state-store.ts';

/** What a factory hands the suite: a fresh, empty store and how to dispose of it. */
export interface StateStoreHarness {
  readonly store: StateStore;
  /** Removes everything the store wrote; called after the store (and any reopened one) is closed. */
  readonly cleanup: () => Promise<void>;
  /** Opens the same state again, as a restarted server would (after `store` is closed). Omit if nothing persists. */
  readonly reopen?: () => Promise<StateStore>;
}

export interface StateStoreConformanceOptions {
  /** Case name → why this store cannot pass it. A name that matches no case fails the suite. */
  readonly skip?: Partial<Record<string, string>>;
}

/** Short enough to wait for, long enough that no store expires the key before the write returns. */
const SHORT_TTL_MS = 60;
const PAST_SHORT_TTL_MS = 150;
const LONG_TTL_MS = 60 * 60 * 1000;

/**
 * The one test suite every StateStore passes (DESIGN.md "Storage"). Each case gets its own store from `factory`.
 * Call it at the top level of a `*.test.ts` file.
 */
export function stateStoreConformance(
  name: string,
  factory: () => Promise<StateStoreHarness>,
  options: StateStoreConformanceOptions = {},
): void {
  const skip = options.skip ?? {};
  const names: string[] = [];
  type Body = (store: StateStore, harness: StateStoreHarness & { readonly close: () => Promise<void> }) => Promise<void>;
  const test = (title: string, body: Body): void => {
    names.push(title);
    it(title, { skip: skip[title] ?? false }, async () => {
      const harness = await factory();
      // Closed exactly once, whether by the case (reopen) or afterwards: close() need not be idempotent.
      let closing: Promise<void> | undefined;
      const close = (): Promise<void> => (closing ??= harness.store.close());
      try {
        await body(harness.store, { ...harness, close });
      } finally {
        await close();
        await harness.cleanup();
      }
    });
  };

  describe(`StateStore conformance: ${name}`, () => {
    test('ping resolves on a store that is ready', async (store) => {
      await store.ping();
    });

    test('get of a missing key is undefined', async (store) => {
      assert.equal(await store.get('missing'), undefined);
    });

    test('set, get and overwrite', async (store) => {
      await store.set('app:wx1', '{"secret":"s1"}');
      assert.equal(await store.get('app:wx1'), '{"secret":"s1"}');
      await store.set('app:wx1', '{"secret":"s2"}');
      assert.equal(await store.get('app:wx1'), '{"secret":"s2"}');
    });

    test('values are stored verbatim: empty, unicode, separators, 100 KB', async (store) => {
      const values = ['', '0', ' padded ', 'a|b|c', '临时素材 🙂\u0000\n\t"\\', '|', `${'x'.repeat(100 * 1024)}末`];
      for (const [i, value] of values.entries()) await store.set(`v:${i}`, value);
      for (const [i, value] of values.entries()) assert.equal(await store.get(`v:${i}`), value, `value ${i}`);
    });

    test('unicode keys', async (store) => {
      await store.set('应用:甲', '1');
      await store.set('app:🙂', '2');
      assert.equal(await store.get('应用:甲'), '1');
      assert.equal(await store.get('app:🙂'), '2');
      assert.deepEqual(await store.keys('应用:'), ['应用:甲']);
    });

    test('delete says whether the key existed', async (store) => {
      await store.set('k', 'v');
      assert.equal(await store.delete('k'), true);
      assert.equal(await store.get('k'), undefined);
      assert.equal(await store.delete('k'), false);
      assert.equal(await store.delete('never'), false);
    });

    test('setIfAbsent writes only the first time', async (store) => {
      assert.equal(await store.setIfAbsent('lock', 'first'), true);
      assert.equal(await store.setIfAbsent('lock', 'second'), false);
      assert.equal(await store.get('lock'), 'first');
      await store.delete('lock');
      assert.equal(await store.setIfAbsent('lock', 'third'), true);
      assert.equal(await store.get('lock'), 'third');
    });

    test('setIfAbsent raced 20 times: exactly one wins and its value stays', async (store) => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.setIfAbsent('race', `writer ${i}`)));
      const winners = results.flatMap((won, i) => (won ? [i] : []));
      assert.equal(winners.length, 1);
      assert.equal(await store.get('race'), `writer ${winners[0]}`);
    });

    test('incr creates a counter at 0 and adds 1', async (store) => {
      assert.equal(await store.incr('n'), 1);
      assert.equal(await store.incr('n'), 2);
      assert.equal(await store.get('n'), '2');
    });

    test('incr by a step, negative too', async (store) => {
      assert.equal(await store.incr('n', { by: 5 }), 5);
      assert.equal(await store.incr('n', { by: 10 }), 15);
      assert.equal(await store.incr('n', { by: -20 }), -5);
      await store.set('m', '41');
      assert.equal(await store.incr('m'), 42);
    });

    test('incr of a value that is not an integer rejects and changes nothing', async (store) => {
      await store.set('text', 'abc');
      await assert.rejects(store.incr('text'));
      assert.equal(await store.get('text'), 'abc');
    });

    test('incr beyond exact integers rejects and changes nothing', async (store) => {
      await store.set('big', String(Number.MAX_SAFE_INTEGER - 1));
      assert.equal(await store.incr('big'), Number.MAX_SAFE_INTEGER);
      await assert.rejects(store.incr('big'));
      assert.equal(await store.get('big'), String(Number.MAX_SAFE_INTEGER));
      await assert.rejects(store.incr('big', { by: 0.5 }));
    });

    test('incr raced 100 times: ends at 100, each caller sees a different value', async (store) => {
      const results = await Promise.all(Array.from({ length: 100 }, () => store.incr('hits')));
      assert.deepEqual([...results].sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i + 1));
      assert.equal(await store.get('hits'), '100');
    });

    test('deferred incr raced 100 times beside durable ones: each caller sees a different value, none lost', async (store) => {
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => store.incr('hits', i % 3 === 0 ? {} : { durability: 'deferred', ttlMs: LONG_TTL_MS })),
      );
      assert.deepEqual([...results].sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i + 1));
      assert.equal(await store.get('hits'), '100');
      assert.equal(await store.incr('hits', { by: -1, durability: 'deferred' }), 99);
    });

    test('a deferred incr that is refused (not an integer) rejects and changes nothing', async (store) => {
      await store.set('text', 'abc');
      await assert.rejects(store.incr('text', { durability: 'deferred' }));
      assert.equal(await store.get('text'), 'abc');
    });

    test('set with ttlMs expires; without, or with a long one, it stays', async (store) => {
      await store.set('short', 'v', { ttlMs: SHORT_TTL_MS });
      await store.set('long', 'v', { ttlMs: LONG_TTL_MS });
      await store.set('forever', 'v');
      await store.set('rewritten', 'old', { ttlMs: SHORT_TTL_MS });
      await store.set('rewritten', 'new'); // a plain set drops the earlier TTL
      await sleep(PAST_SHORT_TTL_MS);
      assert.equal(await store.get('short'), undefined);
      assert.equal(await store.get('long'), 'v');
      assert.equal(await store.get('forever'), 'v');
      assert.equal(await store.get('rewritten'), 'new');
      assert.deepEqual(await store.keys(''), ['forever', 'long', 'rewritten']);
      assert.equal(await store.delete('short'), false);
    });

    test('setIfAbsent with ttlMs expires, and an expired key counts as absent', async (store) => {
      assert.equal(await store.setIfAbsent('lock', 'a', { ttlMs: SHORT_TTL_MS }), true);
      await sleep(PAST_SHORT_TTL_MS);
      assert.equal(await store.get('lock'), undefined);
      assert.equal(await store.setIfAbsent('lock', 'b'), true);
      assert.equal(await store.get('lock'), 'b');
    });

    test('incr with ttlMs expires, and counting starts again', async (store) => {
      assert.equal(await store.incr('window', { ttlMs: SHORT_TTL_MS }), 1);
      await sleep(PAST_SHORT_TTL_MS);
      assert.equal(await store.get('window'), undefined);
      assert.equal(await store.incr('window'), 1);
    });

    test('keys(prefix) is sorted and holds only that prefix', async (store) => {
      for (const key of ['app:wxb', 'app:wxa', 'app:wxc', 'apple', 'ap', 'app;', 'other:app:wxd', 'APP:wxe']) {
        await store.set(key, '1');
      }
      assert.deepEqual(await store.keys('app:'), ['app:wxa', 'app:wxb', 'app:wxc']);
      assert.deepEqual(await store.keys('app'), ['app:wxa', 'app:wxb', 'app:wxc', 'app;', 'apple']);
      assert.deepEqual(await store.keys('zzz'), []);
      assert.deepEqual(await store.keys(''), ['APP:wxe', 'ap', 'app:wxa', 'app:wxb', 'app:wxc', 'app;', 'apple', 'other:app:wxd']);
    });

    test('keys(prefix) treats pattern characters literally', async (store) => {
      for (const key of ['q*[?]\\x', 'q*[?]\\y', 'qa', 'q*', 'q%_']) await store.set(key, '1');
      assert.deepEqual(await store.keys('q*[?]\\'), ['q*[?]\\x', 'q*[?]\\y']);
      assert.deepEqual(await store.keys('q%'), ['q%_']);
    });

    test('state survives closing and reopening', async (store, harness) => {
      assert.ok(harness.reopen, 'a store that persists passes reopen to the suite');
      await store.set('app:wx1', 'secret');
      await store.setIfAbsent('key', 'signing');
      await store.incr('quota', { by: 7 });
      await store.incr('quota-deferred', { by: 3, durability: 'deferred' });
      await store.set('ttl', 'kept', { ttlMs: LONG_TTL_MS });
      await store.set('gone', 'x');
      await store.delete('gone');
      await harness.close();
      const reopened = await harness.reopen();
      try {
        assert.equal(await reopened.get('app:wx1'), 'secret');
        assert.equal(await reopened.get('key'), 'signing');
        assert.equal(await reopened.incr('quota'), 8);
        // Closing commits what deferred writes left in flight.
        assert.equal(await reopened.get('quota-deferred'), '3');
        assert.equal(await reopened.get('ttl'), 'kept');
        assert.equal(await reopened.get('gone'), undefined);
        assert.deepEqual(await reopened.keys(''), ['app:wx1', 'key', 'quota', 'quota-deferred', 'ttl']);
      } finally {
        await reopened.close();
      }
    });

    it('every skipped case exists', () => {
      const unknown = Object.keys(skip).filter((title) => !names.includes(title));
      assert.deepEqual(unknown, [], 'skip names a case this suite does not have');
    });
  });
}

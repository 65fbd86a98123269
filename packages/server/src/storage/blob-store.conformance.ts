import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { MEDIA_FORMATS, mintMediaId } from '@wxmedia/protocol';
import { BlobTooLargeError, type BlobInfo, type BlobStore, type BlobWriteMeta, type OpenedBlob } from './blob-store.ts';

/** What a factory hands the suite: a fresh, empty store (init() not yet called) and how to dispose of it. */
export interface BlobStoreHarness {
  readonly store: BlobStore;
  /** Removes everything the store wrote; called after the store is closed. */
  readonly cleanup: () => Promise<void>;
  /**
   * Every file on the store's medium *and around it* (paths from a root that encloses the store), so the suite can
   * prove that failed writes leave nothing behind and no id reaches outside the store. Omit if it cannot be listed.
   */
  readonly files?: () => Promise<string[]>;
}

export interface BlobStoreConformanceOptions {
  /** Case name → why this store cannot pass it. A name that matches no case fails the suite. */
  readonly skip?: Partial<Record<string, string>>;
}

const KEY = randomBytes(32);
const APP_A = 'wx00000000000000aa';
const APP_B = 'wx00000000000000bb';
/** An hour boundary (2023-11-14T22:00:00Z): stores may bucket by hour, and the sweep cases straddle buckets. */
const T0 = 1_699_999_200;
const HOUR = 3600;
const MiB = 1024 * 1024;
const NO_LIMIT = 64 * MiB;

/**
 * The one test suite every BlobStore passes (DESIGN.md "Storage"). Each case gets its own store from `factory`.
 * Call it at the top level of a `*.test.ts` file.
 */
export function blobStoreConformance(
  name: string,
  factory: () => Promise<BlobStoreHarness>,
  options: BlobStoreConformanceOptions = {},
): void {
  const skip = options.skip ?? {};
  const names: string[] = [];
  const test = (title: string, body: (store: BlobStore, files: () => Promise<string[]>) => Promise<void>): void => {
    names.push(title);
    it(title, { skip: skip[title] ?? false }, async () => {
      const harness = await factory();
      const files = harness.files ?? (async () => []);
      try {
        await harness.store.init();
        await body(harness.store, files);
      } finally {
        await harness.store.close();
        await harness.cleanup();
      }
    });
  };

  describe(`BlobStore conformance: ${name}`, () => {
    test('ping resolves on a store that is ready', async (store) => {
      await store.ping();
    });

    test('stage + commit + open returns the same bytes (small)', async (store) => {
      const bytes = Buffer.from('hello, 临时素材\n');
      const id = mediaId(T0);
      await put(store, id, meta(T0), bytes);
      const opened = await store.open(id);
      assert.ok(opened);
      assert.equal(opened.size, bytes.length);
      assert.deepEqual(await readAll(opened), bytes);
    });

    test('stage + commit + open returns the same bytes (5 MB random, many chunks)', async (store) => {
      const bytes = randomBytes(5 * MiB + 7);
      const id = mediaId(T0);
      const staged = await store.stage(id, meta(T0), chunked(bytes, 64 * 1024), { maxBytes: NO_LIMIT });
      assert.equal(staged.size, bytes.length);
      await staged.commit();
      assert.equal(await store.size(id), bytes.length);
      const opened = await store.open(id);
      assert.ok(opened);
      assert.equal(sha256(await readAll(opened)), sha256(bytes));
    });

    test('a staged blob is invisible until commit', async (store) => {
      const id = mediaId(T0);
      const staged = await store.stage(id, meta(T0), chunked(Buffer.from('pending')), { maxBytes: NO_LIMIT });
      assert.equal(staged.size, 7);
      await assertAbsent(store, id);
      assert.deepEqual(await store.list({ limit: 10 }), []);
      const info = await staged.commit();
      assert.deepEqual(info, { ...meta(T0), id, size: 7 });
      assert.equal(await store.size(id), 7);
    });

    test('abort leaves nothing, and a second abort is harmless', async (store, files) => {
      const before = await files();
      const id = mediaId(T0);
      const staged = await store.stage(id, meta(T0), chunked(randomBytes(10_000)), { maxBytes: NO_LIMIT });
      await staged.abort();
      await staged.abort();
      await assertAbsent(store, id);
      assert.deepEqual(await store.list({ limit: 10 }), []);
      assert.deepEqual(await files(), before);
    });

    test('a second commit is harmless, and abort after commit keeps the blob', async (store) => {
      const id = mediaId(T0);
      const staged = await store.stage(id, meta(T0), chunked(Buffer.from('once')), { maxBytes: NO_LIMIT });
      const first = await staged.commit();
      assert.deepEqual(await staged.commit(), first);
      await staged.abort();
      assert.equal(await store.size(id), 4);
    });

    test('a body over maxBytes throws BlobTooLargeError and leaves nothing', async (store, files) => {
      const before = await files();
      const id = mediaId(T0);
      await assert.rejects(
        store.stage(id, meta(T0), chunked(randomBytes(1001), 300), { maxBytes: 1000 }),
        (error) => error instanceof BlobTooLargeError && error.maxBytes === 1000,
      );
      await assertAbsent(store, id);
      assert.deepEqual(await files(), before);
    });

    test('an endless body is cut off at maxBytes, not read to its end', async (store, files) => {
      const before = await files();
      let pulled = 0;
      async function* endless(): AsyncGenerator<Uint8Array> {
        for (;;) {
          pulled += 1;
          yield Buffer.alloc(64 * 1024);
        }
      }
      await assert.rejects(store.stage(mediaId(T0), meta(T0), endless(), { maxBytes: MiB }), BlobTooLargeError);
      assert.ok(pulled <= MiB / (64 * 1024) + 1, `pulled ${pulled} chunks for a 1 MiB limit`);
      assert.deepEqual(await files(), before);
    });

    test('a body of exactly maxBytes is accepted', async (store) => {
      const bytes = randomBytes(1000);
      const id = mediaId(T0);
      const staged = await store.stage(id, meta(T0), chunked(bytes, 300), { maxBytes: 1000 });
      await staged.commit();
      const opened = await store.open(id);
      assert.ok(opened);
      assert.deepEqual(await readAll(opened), bytes);
    });

    test('a body that errors rejects with its error and leaves nothing', async (store, files) => {
      const before = await files();
      const boom = new Error('client went away');
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield randomBytes(5000);
        throw boom;
      }
      const id = mediaId(T0);
      await assert.rejects(store.stage(id, meta(T0), failing(), { maxBytes: NO_LIMIT }), (error) => error === boom);
      await assertAbsent(store, id);
      assert.deepEqual(await files(), before);
    });

    test('a zero-length body', async (store) => {
      const id = mediaId(T0);
      const staged = await store.stage(id, meta(T0), chunked(Buffer.alloc(0)), { maxBytes: NO_LIMIT });
      assert.equal(staged.size, 0);
      await staged.commit();
      assert.equal(await store.size(id), 0);
      assert.equal((await store.info(id))?.size, 0);
      const opened = await store.open(id);
      assert.ok(opened);
      assert.equal(opened.size, 0);
      assert.equal((await readAll(opened)).length, 0);
    });

    test('ranges: first byte, last byte, middle, whole (size is the whole blob)', async (store) => {
      const bytes = randomBytes(1000);
      const id = mediaId(T0);
      await put(store, id, meta(T0), bytes);
      for (const [start, end] of [[0, 0], [999, 999], [100, 199], [0, 999], [1, 998]] as const) {
        const opened = await store.open(id, { start, end });
        assert.ok(opened);
        assert.equal(opened.size, 1000);
        assert.deepEqual(await readAll(opened), bytes.subarray(start, end + 1), `range ${start}-${end}`);
      }
    });

    test('size and info of a committed blob', async (store) => {
      const id = mediaId(T0 + 61, APP_B);
      const written = { ...meta(T0 + 61, APP_B), contentType: 'audio/amr', filename: '语音 留言.amr' };
      await put(store, id, written, randomBytes(4321));
      assert.equal(await store.size(id), 4321);
      assert.deepEqual(await store.info(id), { ...written, id, size: 4321 });
    });

    test('an id of the right shape that was never stored is absent', async (store) => {
      await put(store, mediaId(T0), meta(T0), Buffer.from('x'));
      await assertAbsent(store, mediaId(T0));
      assert.equal(await store.delete(mediaId(T0)), false);
    });

    test('delete removes the blob, and says whether it was there', async (store) => {
      const id = mediaId(T0);
      const other = mediaId(T0);
      await put(store, id, meta(T0), Buffer.from('gone soon'));
      await put(store, other, meta(T0), Buffer.from('stays'));
      assert.equal(await store.delete(id), true);
      await assertAbsent(store, id);
      assert.equal(await store.delete(id), false);
      assert.deepEqual(ids(await store.list({ limit: 10 })), [other]);
    });

    test('sweep at an hour boundary, across several hour buckets: < before removed, == before kept', async (store) => {
      const gone = [T0 - 2 * HOUR, T0 - HOUR - 1, T0 - HOUR, T0 - 1].map((t) => [mediaId(t), t] as const);
      const kept = [T0, T0 + 1, T0 + HOUR + 5].map((t) => [mediaId(t), t] as const);
      for (const [id, t] of [...gone, ...kept]) await put(store, id, meta(t), Buffer.from(id));
      assert.equal(await store.sweep(T0), gone.length);
      for (const [id] of gone) await assertAbsent(store, id);
      for (const [id] of kept) assert.equal(await store.size(id), 64);
      assert.deepEqual(ids(await store.list({ limit: 10 })).sort(), kept.map(([id]) => id).sort());
      assert.equal(await store.sweep(T0), 0);
    });

    test('sweep inside an hour: < before removed, == before kept', async (store) => {
      const before = T0 + 1800;
      const gone = [T0 - HOUR, T0, T0 + 1799].map((t) => [mediaId(t), t] as const);
      const kept = [before, before + 1, T0 + HOUR].map((t) => [mediaId(t), t] as const);
      for (const [id, t] of [...gone, ...kept]) await put(store, id, meta(t), Buffer.from(id));
      assert.equal(await store.sweep(before), gone.length);
      for (const [id] of gone) await assertAbsent(store, id);
      for (const [id] of kept) assert.equal(await store.size(id), 64);
      assert.equal(await store.sweep(before), 0);
    });

    test('stats (where implemented) counts committed blobs and their bytes, not staged or deleted ones', async (store) => {
      if (!store.stats) return;
      assert.deepEqual(await store.stats(), { count: 0, bytes: 0 });
      const a = mediaId(T0);
      await put(store, a, meta(T0), Buffer.alloc(100, 1));
      await put(store, mediaId(T0 + HOUR, APP_B), meta(T0 + HOUR, APP_B), Buffer.alloc(50, 2));
      const pending = await store.stage(mediaId(T0), meta(T0), chunked(Buffer.alloc(70)), { maxBytes: NO_LIMIT });
      assert.deepEqual(await store.stats(), { count: 2, bytes: 150 });
      await store.delete(a);
      assert.deepEqual(await store.stats(), { count: 1, bytes: 50 });
      await pending.abort();
    });

    test('sweep of an empty store removes nothing', async (store) => {
      assert.equal(await store.sweep(T0 + 10 * HOUR), 0);
    });

    test('list is newest first, per app, and stops at limit', async (store) => {
      const blobs = [
        [APP_A, T0 + 10],
        [APP_A, T0 + 2 * HOUR],
        [APP_A, T0 - HOUR],
        [APP_B, T0 + 20],
        [APP_B, T0 + HOUR],
      ] as const;
      const byTime = new Map<number, string>();
      for (const [app, t] of blobs) {
        const id = mediaId(t, app);
        byTime.set(t, id);
        await put(store, id, meta(t, app), Buffer.from(app));
      }
      const newest = (times: number[]): (string | undefined)[] => times.map((t) => byTime.get(t));
      const all = await store.list({ limit: 10 });
      assert.deepEqual(ids(all), newest([T0 + 2 * HOUR, T0 + HOUR, T0 + 20, T0 + 10, T0 - HOUR]));
      assert.deepEqual(all[0], { ...meta(T0 + 2 * HOUR, APP_A), id: byTime.get(T0 + 2 * HOUR), size: APP_A.length });
      assert.deepEqual(ids(await store.list({ appid: APP_A, limit: 10 })), newest([T0 + 2 * HOUR, T0 + 10, T0 - HOUR]));
      assert.deepEqual(ids(await store.list({ appid: APP_B, limit: 1 })), newest([T0 + HOUR]));
      assert.deepEqual(ids(await store.list({ limit: 2 })), newest([T0 + 2 * HOUR, T0 + HOUR]));
      assert.deepEqual(await store.list({ appid: 'wx_nobody', limit: 10 }), []);
      assert.deepEqual(await store.list({ limit: 0 }), []);
    });

    test('ids that are not media ids are absent and write nothing anywhere', async (store, files) => {
      const real = mediaId(T0);
      await put(store, real, meta(T0), Buffer.from('real'));
      const before = await files();
      const hostile = [
        '../../etc/passwd',
        '..%2F..%2Fetc%2Fpasswd',
        '..%2F..',
        '/etc/passwd',
        `/${'A'.repeat(63)}`,
        `../${real.slice(3)}`,
        `${real}.json`,
        `${real}/`,
        `${real.slice(0, 63)}\0`,
        `${real}x`,
        real.slice(1),
        'x'.repeat(2048),
        randomBytes(2048).toString('latin1'),
        '',
        '.',
        '..',
      ];
      for (const id of hostile) {
        await assertAbsent(store, id);
        assert.equal(await store.delete(id), false, JSON.stringify(id));
        await assert.rejects(store.stage(id, meta(T0), chunked(Buffer.from('evil')), { maxBytes: NO_LIMIT }));
      }
      assert.deepEqual(await files(), before);
      assert.equal(await store.size(real), 4);
    });

    test('init removes what an interrupted write staged', async (store, files) => {
      const before = await files();
      const id = mediaId(T0);
      // Staged and never committed nor aborted: what a crash between the two leaves.
      await store.stage(id, meta(T0), chunked(randomBytes(3000)), { maxBytes: NO_LIMIT });
      await store.init();
      await assertAbsent(store, id);
      assert.deepEqual(await files(), before);
    });

    test('20 concurrent stages, some committed and some aborted', async (store) => {
      const bodies = Array.from({ length: 20 }, (_, i) => ({ id: mediaId(T0 + i), t: T0 + i, bytes: randomBytes(50_000 + i * 997) }));
      const staged = await Promise.all(
        bodies.map(({ id, t, bytes }) => store.stage(id, meta(t), chunked(bytes, 8192), { maxBytes: NO_LIMIT })),
      );
      await Promise.all(staged.map((s, i) => (i % 4 === 3 ? s.abort() : s.commit())));
      for (const [i, { id, bytes }] of bodies.entries()) {
        if (i % 4 === 3) {
          await assertAbsent(store, id);
          continue;
        }
        const opened = await store.open(id);
        assert.ok(opened);
        assert.equal(sha256(await readAll(opened)), sha256(bytes));
      }
      assert.equal((await store.list({ limit: 100 })).length, 15);
    });

    it('every skipped case exists', () => {
      const unknown = Object.keys(skip).filter((title) => !names.includes(title));
      assert.deepEqual(unknown, [], 'skip names a case this suite does not have');
    });
  });
}

function mediaId(createdAt: number, appid: string = APP_A): string {
  // MEDIA_FORMATS[0] is JPEG; the format plays no part in storage.
  return mintMediaId(KEY, appid, createdAt, MEDIA_FORMATS[0]);
}

function meta(createdAt: number, appid: string = APP_A): BlobWriteMeta {
  return { appid, createdAt, contentType: 'image/jpeg', filename: 'photo.jpg' };
}

async function put(store: BlobStore, id: string, written: BlobWriteMeta, bytes: Uint8Array): Promise<BlobInfo> {
  const staged = await store.stage(id, written, chunked(bytes), { maxBytes: NO_LIMIT });
  return staged.commit();
}

async function assertAbsent(store: BlobStore, id: string): Promise<void> {
  const label = JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}…` : id);
  assert.equal(await store.size(id), undefined, `size(${label})`);
  assert.equal(await store.info(id), undefined, `info(${label})`);
  assert.equal(await store.open(id), undefined, `open(${label})`);
  assert.equal(await store.open(id, { start: 0, end: 0 }), undefined, `open(${label}, range)`);
}

async function* chunked(bytes: Uint8Array, size = 16 * 1024): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** The bytes of an opened blob, whether the store handed them over whole or as a stream. */
export async function readAll(opened: OpenedBlob): Promise<Buffer> {
  if (opened.bytes) return opened.bytes;
  const parts: Buffer[] = [];
  for await (const part of opened.stream) parts.push(Buffer.from(part as Uint8Array));
  return Buffer.concat(parts);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function ids(infos: BlobInfo[]): string[] {
  return infos.map((info) => info.id);
}

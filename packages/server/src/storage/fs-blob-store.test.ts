import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { killNineOnceOutput, killNineWhen } from '../../../../test/helpers/kill9.ts';
import { MEDIA_FORMATS, mediaIdCreatedAt, mintMediaId } from '@wxmedia/protocol';
import { blobStoreConformance, readAll } from './blob-store.conformance.ts';
import { BLOB_HEADER_BYTES, decodeBlobHeader } from './fs-blob-header.ts';
import { FsBlobStore } from './fs-blob-store.ts';

/** Every file and directory under `root`, relative to it, sorted (directories end in '/'). */
async function tree(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .map((entry) => relative(root, join(entry.parentPath, entry.name)) + (entry.isDirectory() ? '/' : ''))
    .sort();
}

blobStoreConformance('FsBlobStore', async () => {
  // The store lives one level down, so files() also sees anything written beside it.
  const root = await mkdtemp(join(tmpdir(), 'wxmedia-blobs-'));
  return {
    store: new FsBlobStore({ dir: join(root, 'store') }),
    files: () => tree(root),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

describe('FsBlobStore on disk', () => {
  const roots: string[] = [];
  after(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));
  async function fresh(): Promise<{ dir: string; store: FsBlobStore }> {
    const dir = await mkdtemp(join(tmpdir(), 'wxmedia-blobs-'));
    roots.push(dir);
    const store = new FsBlobStore({ dir });
    await store.init();
    return { dir, store };
  }
  const key = Buffer.alloc(32, 7);
  const hour = 1_699_999_200;

  it('init removes files left in staging by a killed process', async () => {
    const { dir, store } = await fresh();
    await writeFile(join(dir, 'staging', 'leftover.part'), 'half an upload');
    await mkdir(join(dir, 'staging', 'odd-dir'));
    await store.init();
    assert.deepEqual(await readdir(join(dir, 'staging')), []);
  });

  it('lays blobs out in UTC hour buckets, one file each: the header, then the bytes', async () => {
    const { dir, store } = await fresh();
    const id = mintMediaId(key, 'wxapp', hour + 59 * 60, MEDIA_FORMATS[0]);
    const staged = await store.stage(id, { appid: 'wxapp', createdAt: hour + 59 * 60, contentType: 'image/jpeg', filename: 'a.jpg' }, one('abc'), {
      maxBytes: 10,
    });
    assert.deepEqual(await readdir(join(dir, 'media')), []);
    await staged.commit();
    assert.deepEqual(await tree(join(dir, 'media')), ['2023111422/', `2023111422/${id}.blob`]);
    assert.deepEqual(await readdir(join(dir, 'staging')), []);
    const file = await readFile(join(dir, 'media', '2023111422', `${id}.blob`));
    assert.equal(file.length, BLOB_HEADER_BYTES + 3);
    assert.equal(file.subarray(BLOB_HEADER_BYTES).toString(), 'abc');
    assert.deepEqual(decodeBlobHeader(id, file, file.length), {
      id,
      appid: 'wxapp',
      contentType: 'image/jpeg',
      filename: 'a.jpg',
      createdAt: hour + 59 * 60,
      size: 3,
    });
  });

  it('a filename too long for the header is cut to fit, at a character boundary; the blob is whole', async () => {
    const { store } = await fresh();
    const id = mintMediaId(key, 'wxapp', hour, MEDIA_FORMATS[0]);
    // 3 bytes of UTF-8 per character, 6 of JSON for the control characters: far more than a header holds.
    const filename = `${'图'.repeat(2000)}${'\u0001'.repeat(500)}.jpg`;
    const bytes = Buffer.from('the bytes');
    await (await store.stage(id, { appid: 'wxapp', createdAt: hour, contentType: 'image/jpeg', filename }, one(bytes.toString()), { maxBytes: 100 })).commit();
    const info = await store.info(id);
    assert.ok(info);
    assert.ok(info.filename.length > 1000 && filename.startsWith(info.filename), 'a prefix of the name, as long as fits');
    assert.equal(info.size, bytes.length);
    const opened = await store.open(id);
    assert.ok(opened);
    assert.deepEqual(await readAll(opened), bytes);
  });

  it('a blob that fits in one read comes back whole, as bytes; a larger one, or a large range, as a stream', async () => {
    const { store } = await fresh();
    const small = Buffer.alloc(100 * 1024, 1);
    const large = Buffer.alloc(2 * 1024 * 1024 + 3, 2);
    large.write('the last bytes', large.length - 14);
    const ids = [small, large].map((bytes, i) => ({ bytes, id: mintMediaId(key, 'wxapp', hour + i, MEDIA_FORMATS[0]) }));
    for (const { bytes, id } of ids) {
      const meta = { appid: 'wxapp', createdAt: mediaIdCreatedAt(id)!, contentType: 'image/jpeg', filename: 'a.jpg' };
      await (await store.stage(id, meta, chunks(bytes, 64 * 1024), { maxBytes: bytes.length })).commit();
    }
    const [s, l] = ids as [(typeof ids)[0], (typeof ids)[0]];
    const smallOpened = await store.open(s.id);
    assert.ok(smallOpened?.bytes, 'a 100 KiB blob is read whole');
    assert.equal(smallOpened.stream, undefined);
    assert.deepEqual(smallOpened.bytes, small);
    const largeOpened = await store.open(l.id);
    assert.ok(largeOpened?.stream, 'a 2 MiB blob is streamed');
    assert.deepEqual(await readAll(largeOpened), large);
    const tail = await store.open(l.id, { start: large.length - 14, end: large.length - 1 });
    assert.equal(tail?.bytes?.toString(), 'the last bytes', 'a small range of a large blob is read whole');
    const empty = mintMediaId(key, 'wxapp', hour + 2, MEDIA_FORMATS[0]);
    await (await store.stage(empty, { appid: 'wxapp', createdAt: hour + 2, contentType: 'image/jpeg', filename: 'a.jpg' }, chunks(Buffer.alloc(0), 1), { maxBytes: 1 })).commit();
    assert.deepEqual((await store.open(empty))?.bytes, Buffer.alloc(0), 'an empty blob is zero bytes');
  });

  it('sweep removes the directory of a bucket that has wholly expired', async () => {
    const { dir, store } = await fresh();
    for (const createdAt of [hour - 7200, hour - 1, hour + 10]) {
      const id = mintMediaId(key, 'wxapp', createdAt, MEDIA_FORMATS[0]);
      const meta = { appid: 'wxapp', createdAt, contentType: 'image/jpeg', filename: 'a.jpg' };
      await (await store.stage(id, meta, one('x'), { maxBytes: 10 })).commit();
    }
    assert.deepEqual(await readdir(join(dir, 'media')), ['2023111420', '2023111421', '2023111422']);
    assert.equal(await store.sweep(hour + 5), 2);
    assert.deepEqual(await readdir(join(dir, 'media')), ['2023111422']);
  });

  it('kill -9 mid-upload: committed blobs stay whole, the partial one is cleaned at start', async () => {
    const { dir } = await fresh();
    const createdAt = hour + 1;
    const done = mintMediaId(key, 'wxapp', createdAt, MEDIA_FORMATS[0]);
    const partial = mintMediaId(key, 'wxapp', createdAt, MEDIA_FORMATS[0]);
    // The child commits one blob, then streams a second that never ends and is killed while writing it.
    await killNineWhen(
      'writing',
      `const { FsBlobStore } = await import(${JSON.stringify(new URL('./fs-blob-store.ts', import.meta.url).href)});
       const store = new FsBlobStore({ dir: process.env.BLOB_DIR });
       await store.init();
       const meta = { appid: 'wxapp', createdAt: ${createdAt}, contentType: 'image/jpeg', filename: 'a.jpg' };
       async function* once() { yield Buffer.from('committed bytes'); }
       await (await store.stage(process.env.DONE_ID, meta, once(), { maxBytes: 1e9 })).commit();
       async function* endless() {
         for (let i = 0; ; i++) {
           if (i === 3) process.stdout.write('writing\\n');
           yield Buffer.alloc(64 * 1024, i);
         }
       }
       setInterval(() => {}, 60_000);
       await store.stage(process.env.PARTIAL_ID, meta, endless(), { maxBytes: 1e12 });`,
      { BLOB_DIR: dir, DONE_ID: done, PARTIAL_ID: partial },
    );
    assert.equal((await readdir(join(dir, 'staging'))).length, 1, 'the partial upload is in staging');
    const store = new FsBlobStore({ dir });
    await store.init();
    assert.deepEqual(await readdir(join(dir, 'staging')), []);
    assert.equal(await store.size(partial), undefined);
    const file = await readFile(join(dir, 'media', '2023111422', `${done}.blob`));
    assert.equal(file.subarray(BLOB_HEADER_BYTES).toString(), 'committed bytes');
    assert.equal((await store.info(done))?.size, 15);
  });

  it("reads a data directory written by wxmedia 0.1.0 (bytes + JSON sidecar) beside its own, and deletes and sweeps it", async () => {
    const { dir, store } = await fresh();
    // 0.1.0's layout, as it wrote it: <bucket>/<id> holds the bytes, <bucket>/<id>.json the BlobInfo.
    const writeLegacy = async (createdAt: number, bytes: Buffer, filename: string): Promise<string> => {
      const id = mintMediaId(key, 'wxold', createdAt, MEDIA_FORMATS[0]);
      const bucket = join(dir, 'media', createdAt < hour + 3600 ? '2023111422' : '2023111423');
      await mkdir(bucket, { recursive: true });
      await writeFile(join(bucket, `${id}.json`), JSON.stringify({ appid: 'wxold', createdAt, contentType: 'image/jpeg', filename, size: bytes.length, id }));
      await writeFile(join(bucket, id), bytes);
      return id;
    };
    const oldBytes = Buffer.from('bytes written by 0.1.0');
    const old1 = await writeLegacy(hour + 10, oldBytes, 'old1.jpg');
    const old2 = await writeLegacy(hour + 3600 + 10, Buffer.from('later'), 'old2.jpg');
    const meta = { appid: 'wxnew', createdAt: hour + 20, contentType: 'image/jpeg', filename: 'new.jpg' };
    const fresh1 = mintMediaId(key, 'wxnew', hour + 20, MEDIA_FORMATS[0]);
    await (await store.stage(fresh1, meta, one('new bytes'), { maxBytes: 100 })).commit();

    assert.equal(await store.size(old1), oldBytes.length);
    const whole = await store.open(old1);
    assert.ok(whole);
    assert.equal(whole.size, oldBytes.length);
    assert.deepEqual(await readAll(whole), oldBytes);
    const part = await store.open(old1, { start: 6, end: 12 });
    assert.ok(part);
    assert.equal((await readAll(part)).toString(), 'written');
    assert.deepEqual(await store.info(old1), { appid: 'wxold', createdAt: hour + 10, contentType: 'image/jpeg', filename: 'old1.jpg', size: oldBytes.length, id: old1 });
    assert.deepEqual((await store.list({ limit: 10 })).map((i) => i.id), [old2, fresh1, old1]);
    assert.deepEqual((await store.list({ appid: 'wxold', limit: 10 })).map((i) => i.filename), ['old2.jpg', 'old1.jpg']);
    assert.deepEqual(await store.stats(), { count: 3, bytes: oldBytes.length + 5 + 9 });

    // The boundary bucket is swept file by file: 0.1.0's blob (and its sidecar) goes, the newer one stays.
    assert.equal(await store.sweep(hour + 15), 1);
    assert.equal(await store.size(old1), undefined);
    assert.deepEqual(await tree(join(dir, 'media')), ['2023111422/', `2023111422/${fresh1}.blob`, '2023111423/', `2023111423/${old2}`, `2023111423/${old2}.json`]);
    assert.equal(await store.delete(old2), true);
    assert.equal(await store.delete(old2), false);
    assert.deepEqual(await tree(join(dir, 'media')), ['2023111422/', `2023111422/${fresh1}.blob`, '2023111423/']);
  });

  it('kill -9 amid 32 concurrent uploads: every acknowledged blob is whole after restart, nothing else is visible', async () => {
    const { dir } = await fresh();
    // The child uploads in 32 loops at once and prints each id the moment its commit resolves (the acknowledgement);
    // the bytes of a blob are derived from its id, so the parent can check them. Killed after 200 acknowledgements,
    // with commits sharing directory fsyncs and others mid-write.
    const out = await killNineOnceOutput(
      (text) => text.split('\n').length > 200,
      'acknowledging 200 uploads',
      `const { createHash } = await import('node:crypto');
       const { MEDIA_FORMATS, mintMediaId } = await import('@wxmedia/protocol');
       const { FsBlobStore } = await import(${JSON.stringify(new URL('./fs-blob-store.ts', import.meta.url).href)});
       const store = new FsBlobStore({ dir: process.env.BLOB_DIR });
       await store.init();
       const key = Buffer.alloc(32, 7);
       const bytesOf = (id) => { const seed = createHash('sha256').update(id).digest(); return Buffer.concat(Array.from({ length: 1 + (seed[0] % 40) }, () => seed)).subarray(0, 20 + seed[1] * 97); };
       async function* chunks(bytes) { for (let at = 0; at < bytes.length; at += 4096) yield bytes.subarray(at, at + 4096); }
       const hour = ${hour};
       await Promise.all(Array.from({ length: 32 }, async (_, loop) => {
         for (let i = 0; ; i++) {
           const createdAt = hour + ((loop + i) % 2) * 3600;
           const id = mintMediaId(key, 'wxapp', createdAt, MEDIA_FORMATS[0]);
           const staged = await store.stage(id, { appid: 'wxapp', createdAt, contentType: 'image/jpeg', filename: 'a.jpg' }, chunks(bytesOf(id)), { maxBytes: 1e9 });
           await staged.commit();
           process.stdout.write(id + '\\n');
         }
       }));`,
      { BLOB_DIR: dir },
    );
    const acknowledged = out.split('\n').filter((line) => line.length === 64);
    assert.ok(acknowledged.length >= 200);
    const store = new FsBlobStore({ dir });
    await store.init();
    assert.deepEqual(await readdir(join(dir, 'staging')), [], 'uploads in flight at the kill are cleaned at start');
    const bytesOf = (id: string): Buffer => {
      const seed = createHash('sha256').update(id).digest();
      return Buffer.concat(Array.from({ length: 1 + (seed[0]! % 40) }, () => seed)).subarray(0, 20 + seed[1]! * 97);
    };
    for (const id of acknowledged) {
      const opened = await store.open(id);
      assert.ok(opened, `acknowledged ${id} is there`);
      assert.deepEqual(await readAll(opened), bytesOf(id), `acknowledged ${id} is whole`);
    }
    // Blobs committed but not yet printed at the kill may be there too: whole, never partial.
    const listed = await store.list({ limit: 10_000 });
    assert.ok(listed.length >= acknowledged.length);
    for (const info of listed) {
      const opened = await store.open(info.id);
      assert.ok(opened);
      assert.deepEqual(await readAll(opened), bytesOf(info.id), `${info.id} is whole`);
    }
  });

  it('an orphan sidecar (crash between the two renames) is invisible', async () => {
    const { dir, store } = await fresh();
    const id = mintMediaId(key, 'wxapp', hour, MEDIA_FORMATS[0]);
    const info = { appid: 'wxapp', createdAt: hour, contentType: 'image/jpeg', filename: 'a.jpg', size: 1, id };
    await mkdir(join(dir, 'media', '2023111422'), { recursive: true });
    await writeFile(join(dir, 'media', '2023111422', `${id}.json`), JSON.stringify(info));
    assert.equal(await store.info(id), undefined);
    assert.deepEqual(await store.list({ limit: 10 }), []);
    assert.equal(await store.sweep(hour + 3600), 0);
  });
});

async function* chunks(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function* one(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}


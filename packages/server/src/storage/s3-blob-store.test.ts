import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { MEDIA_FORMATS, mintMediaId } from '@wxmedia/protocol';
import { startS3rver, type LocalS3 } from '../../../../test/helpers/s3rver.ts';
import { tempDir } from '../../../../test/helpers/server.ts';
import { blobStoreConformance } from './blob-store.conformance.ts';
import { S3BlobStore } from './s3-blob-store.ts';

const MiB = 1024 * 1024;
let s3: LocalS3;
before(async () => {
  s3 = await startS3rver();
});
after(() => s3.dispose());

let buckets = 0;

/**
 * A fresh bucket per case, the store one prefix down in it (so files() also sees anything written beside the
 * store), and its own spool directory. Multipart uploads start at 5 MiB, S3's smallest part, so the suite's 5 MB
 * case goes up in two parts.
 */
async function harness(options: { multipartThreshold?: number } = {}) {
  const bucket = `conformance-${++buckets}`;
  await s3.createBucket(bucket);
  const spool = await tempDir('wxmedia-spool-');
  const store = new S3BlobStore({
    client: s3.client(),
    bucket,
    prefix: 'store/',
    spoolDir: spool.path,
    partSize: 5 * MiB,
    multipartThreshold: options.multipartThreshold ?? 5 * MiB,
  });
  return {
    bucket,
    spool: spool.path,
    store,
    files: async () => [...(await s3.keys(bucket)), ...(await readdir(spool.path)).map((name) => `spool/${name}`)].sort(),
    cleanup: async () => {
      await s3.removeBucket(bucket);
      await spool.cleanup();
    },
  };
}

blobStoreConformance('S3BlobStore on s3rver', () => harness());
blobStoreConformance('S3BlobStore on s3rver, every body in parts', () => harness({ multipartThreshold: 0 }));

describe('S3BlobStore on s3rver', () => {
  const key = randomBytes(32);
  const hour = 1_699_999_200;
  const meta = (createdAt: number) => ({ appid: 'wxapp', createdAt, contentType: 'image/jpeg', filename: 'a.jpg' });
  async function* one(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
    yield bytes;
  }

  it('lays objects out by UTC hour under the prefix, with the metadata on the object', async () => {
    const h = await harness();
    try {
      await h.store.init();
      const id = mintMediaId(key, 'wxapp', hour + 59 * 60, MEDIA_FORMATS[0]);
      const staged = await h.store.stage(id, { ...meta(hour + 59 * 60), filename: '照片 1.jpg' }, one(Buffer.from('abc')), { maxBytes: 10 });
      assert.deepEqual(await s3.keys(h.bucket), [], 'nothing in the bucket before commit');
      assert.equal((await readdir(h.spool)).length, 1, 'the body waits in the spool');
      await staged.commit();
      assert.deepEqual(await s3.keys(h.bucket), [`store/media/2023111422/${id}`]);
      assert.deepEqual(await readdir(h.spool), [], 'the spool file is gone once the object is in the bucket');
      assert.equal((await h.store.info(id))?.filename, '照片 1.jpg');
    } finally {
      await h.store.close();
      await h.cleanup();
    }
  });

  it('a commit that fails (bucket gone) rejects, leaves nothing visible, and can be aborted', async () => {
    const h = await harness();
    try {
      await h.store.init();
      const id = mintMediaId(key, 'wxapp', hour, MEDIA_FORMATS[0]);
      const staged = await h.store.stage(id, meta(hour), one(randomBytes(1000)), { maxBytes: 10_000 });
      await s3.stop();
      try {
        await assert.rejects(staged.commit());
        await assert.rejects(h.store.ping());
      } finally {
        await s3.start();
      }
      await h.store.ping();
      assert.equal(await h.store.size(id), undefined);
      await staged.abort();
      assert.deepEqual(await h.files(), []);
    } finally {
      await h.store.close();
      await h.cleanup();
    }
  });

  it('sweep deletes in batches across many objects of one hour', async () => {
    const h = await harness();
    try {
      await h.store.init();
      const ids = Array.from({ length: 30 }, (_, i) => mintMediaId(key, 'wxapp', hour + i, MEDIA_FORMATS[0]));
      for (const [i, id] of ids.entries()) await (await h.store.stage(id, meta(hour + i), one(Buffer.from('x')), { maxBytes: 10 })).commit();
      assert.equal(await h.store.sweep(hour + 10), 10);
      assert.equal(await h.store.sweep(hour + HOUR), 20);
      assert.deepEqual(await s3.keys(h.bucket), []);
    } finally {
      await h.store.close();
      await h.cleanup();
    }
  });
});

const HOUR = 3600;

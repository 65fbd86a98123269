/**
 * Crash safety of the embedded storage (filesystem blobs + LMDB state, what `wxmedia serve` runs on by default),
 * with the real CLI server as a child process: `kill -9` (by its PID) in the middle of a large upload, restart on
 * the same data dir. The unfinished upload is not visible, staging/ is empty, every earlier media is served
 * byte-identical, and the earlier access_token still works. Being about the filesystem store, these tests look at
 * its files (media/<hour>/<id>.blob: a header, then the bytes; staging/).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ERRCODES } from '@wxmedia/protocol';
import { BLOB_HEADER_BYTES } from '../../packages/server/src/storage/fs-blob-header.ts';
import { gif, jpeg, png } from '../helpers/images.ts';
import { BOUNDARY, multipartBody, rawHead, rawRequest } from '../helpers/raw-http.ts';
import { getMedia, listFiles, startCli, tempDir, uploadMedia, type CliServer } from '../helpers/server.ts';

const MB = 1024 * 1024;

/** The files of the filesystem store under a data dir: committed (`media/`) and being written (`staging/`). */
async function storedFiles(dataDir: string): Promise<{ media: string[]; staging: string[] }> {
  return { media: await listFiles(join(dataDir, 'media')), staging: await listFiles(join(dataDir, 'staging')) };
}

interface Kept {
  readonly id: string;
  readonly bytes: Buffer;
  readonly mime: string;
  readonly ext: string;
}

describe('kill -9 mid-upload, then restart on the same data dir', () => {
  let data: { path: string; cleanup(): Promise<void> };
  let first: CliServer | undefined;
  let second: CliServer | undefined;

  before(async () => {
    data = await tempDir('wxmedia-crash-');
  });
  after(async () => {
    await first?.kill9();
    await second?.stop();
    await data?.cleanup();
  });

  it('leaves nothing of the unfinished upload and keeps everything that was acknowledged', async () => {
    first = await startCli({ dataDir: data.path });
    const token = await first.token();

    // Earlier media: acknowledged before the crash, so they must survive it.
    const kept: Kept[] = [];
    for (const [bytes, filename, mime, ext] of [
      [jpeg({ size: 50_000 }), 'a.jpg', 'image/jpeg', 'jpg'],
      [png({ size: 300_000 }), 'b.png', 'image/png', 'png'],
      [gif({ size: 5_000 }), 'c.gif', 'image/gif', 'gif'],
      [jpeg({ size: 2 * MB }), 'd.jpeg', 'image/jpeg', 'jpg'],
    ] as const) {
      const r = await uploadMedia(first.url, token, { filename, bytes, contentType: mime });
      assert.equal(r.errcode, 0, JSON.stringify(r));
      kept.push({ id: r.media_id!, bytes, mime, ext });
    }
    const mediaBefore = (await storedFiles(data.path)).media;
    assert.equal(mediaBefore.length, kept.length, 'each media is one file');

    // A large upload, streamed slowly over a raw socket: 1 MiB at once, then 64 KiB pieces.
    const body = multipartBody(BOUNDARY, [{ name: 'media', filename: 'big.jpg', contentType: 'image/jpeg', body: jpeg({ size: 8 * MB }) }]);
    const head = rawHead('POST', `/cgi-bin/media/upload?access_token=${encodeURIComponent(token)}&type=image`, {
      'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
      'Content-Length': body.length,
    });
    const pieces: Buffer[] = [body.subarray(0, MB)];
    for (let i = MB; i < 4 * MB; i += 64 * 1024) pieces.push(body.subarray(i, i + 64 * 1024));
    const upload = rawRequest(Number(new URL(first.url).port), [head, ...pieces], { pauseMs: 25, after: 'keep' });

    // Wait until the server is writing it to staging (bounded poll), then kill -9 that very PID.
    let staging: string[] = [];
    for (let i = 0; i < 400 && staging.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
      staging = await listFiles(join(data.path, 'staging'));
    }
    assert.ok(staging.length > 0, 'the large upload reached staging/ before the kill');
    await first.kill9();
    const exit = await first.exited;
    assert.equal(exit.signal, 'SIGKILL');
    const reply = await upload;
    assert.equal(reply, undefined, 'the killed server never acknowledged the large upload');
    first = undefined;

    // Restart on the same data dir.
    second = await startCli({ dataDir: data.path });
    const after = await storedFiles(data.path);
    assert.deepEqual(after.staging, [], 'staging/ is empty after restart');
    assert.deepEqual(after.media, mediaBefore, 'no new file under media/: the unfinished upload is not visible');

    // Every earlier media, byte-identical, with the token issued before the crash.
    for (const k of kept) {
      const got = await getMedia(second.url, token, k.id);
      const ctype = got.headers.get('content-type');
      assert.equal(got.status, 200);
      assert.equal(ctype, k.mime, `${k.id}: ${got.body.subarray(0, 200).toString()}`);
      assert.equal(got.headers.get('content-disposition'), `attachment; filename="${k.id}.${k.ext}"`);
      assert.equal(got.body.length, k.bytes.length);
      assert.ok(got.body.equals(k.bytes), `${k.id} is byte-identical`);
    }
    // Committed files on disk are whole too.
    for (const k of kept) {
      const onDisk = after.media.find((f) => f.endsWith(`${k.id}.blob`));
      assert.ok(onDisk, `${k.id} under media/`);
      const file = await readFile(join(data.path, 'media', onDisk));
      assert.equal(file.length, BLOB_HEADER_BYTES + k.bytes.length);
      assert.ok(file.subarray(BLOB_HEADER_BYTES).equals(k.bytes));
    }

    // The earlier token still works for uploads too, and the server keeps serving.
    const again = await uploadMedia(second.url, token, { filename: 'after.png', bytes: png({ size: 10_000 }), contentType: 'image/png' });
    assert.equal(again.errcode, 0, JSON.stringify(again));
    const unknown = await getMedia(second.url, token, 'A'.repeat(64));
    assert.equal(JSON.parse(unknown.body.toString())['errcode'], ERRCODES.INVALID_MEDIA_ID.errcode);
  });
});

describe('kill -9 with several uploads in flight and others just acknowledged', () => {
  let data: { path: string; cleanup(): Promise<void> };
  let first: CliServer | undefined;
  let second: CliServer | undefined;

  before(async () => {
    data = await tempDir('wxmedia-crash2-');
  });
  after(async () => {
    await first?.kill9();
    await second?.stop();
    await data?.cleanup();
  });

  it('every acknowledged media_id is served intact after restart; nothing half-written is visible', async () => {
    first = await startCli({ dataDir: data.path });
    const token = await first.token();
    const port = Number(new URL(first.url).port);

    // Slow uploads that will never finish: 3 MiB promised, 1 MiB sent.
    const hanging = Array.from({ length: 4 }, () => {
      const body = multipartBody(BOUNDARY, [{ name: 'media', filename: 'slow.jpg', contentType: 'image/jpeg', body: jpeg({ size: 3 * MB }) }]);
      const head = rawHead('POST', `/cgi-bin/media/upload?access_token=${encodeURIComponent(token)}&type=image`, {
        'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
        'Content-Length': body.length,
      });
      const pieces: Array<string | Buffer> = [head];
      for (let i = 0; i < MB; i += 128 * 1024) pieces.push(body.subarray(i, i + 128 * 1024));
      return rawRequest(port, pieces, { pauseMs: 20, after: 'keep' });
    });

    // Meanwhile, uploads that complete: each acknowledged id must survive.
    const acked: Kept[] = [];
    for (let i = 0; i < 6; i++) {
      const bytes = i % 2 ? png({ size: 200_000 + i }) : jpeg({ size: 400_000 + i });
      const [filename, mime, ext] = i % 2 ? ['p.png', 'image/png', 'png'] : ['j.jpg', 'image/jpeg', 'jpg'];
      const r = await uploadMedia(first.url, token, { filename, bytes, contentType: mime });
      assert.equal(r.errcode, 0, JSON.stringify(r));
      acked.push({ id: r.media_id!, bytes, mime, ext });
    }
    assert.ok((await listFiles(join(data.path, 'staging'))).length > 0, 'the unfinished uploads are in staging/ at the kill');
    await first.kill9();
    first = undefined;
    for (const h of hanging) assert.equal(await h, undefined);

    second = await startCli({ dataDir: data.path });
    const files = await storedFiles(data.path);
    assert.deepEqual(files.staging, []);
    // Exactly the acknowledged media (one file each) and nothing else.
    const ids = new Set(files.media.map((f) => f.split('/').pop()!.replace(/\.blob$/, '')));
    assert.deepEqual([...ids].sort(), acked.map((k) => k.id).sort());
    for (const k of acked) {
      const got = await getMedia(second.url, token, k.id);
      assert.equal(got.headers.get('content-type'), k.mime);
      assert.ok(got.body.equals(k.bytes), `${k.id} byte-identical`);
    }
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { MEDIA_FORMATS, mintMediaId } from '@wxmedia/protocol';
import { blobStoreConformance } from './blob-store.conformance.ts';
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

  it('lays blobs out in UTC hour buckets with a JSON sidecar', async () => {
    const { dir, store } = await fresh();
    const id = mintMediaId(key, 'wxapp', hour + 59 * 60, MEDIA_FORMATS[0]);
    const staged = await store.stage(id, { appid: 'wxapp', createdAt: hour + 59 * 60, contentType: 'image/jpeg', filename: 'a.jpg' }, one('abc'), {
      maxBytes: 10,
    });
    assert.deepEqual(await readdir(join(dir, 'media')), []);
    await staged.commit();
    assert.deepEqual(await tree(join(dir, 'media')), ['2023111422/', `2023111422/${id}`, `2023111422/${id}.json`]);
    assert.deepEqual(await readdir(join(dir, 'staging')), []);
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
    const child = spawn(
      process.execPath,
      [
        // The sources, as the test runner runs them (scripts/test.sh).
        '--conditions=@wxmedia/source',
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
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
      ],
      {
        cwd: fileURLToPath(new URL('../../../../', import.meta.url)),
        env: { ...process.env, BLOB_DIR: dir, DONE_ID: done, PARTIAL_ID: partial },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = once(child, 'exit');
    let out = '';
    for await (const chunk of child.stdout) {
      out += String(chunk);
      if (out.includes('writing')) break;
    }
    assert.match(out, /writing/, 'the child got as far as streaming the second blob');
    child.kill('SIGKILL');
    await exited;
    assert.equal((await readdir(join(dir, 'staging'))).length, 1, 'the partial upload is in staging');
    const store = new FsBlobStore({ dir });
    await store.init();
    assert.deepEqual(await readdir(join(dir, 'staging')), []);
    assert.equal(await store.size(partial), undefined);
    assert.equal(await readFile(join(dir, 'media', '2023111422', done), 'utf8'), 'committed bytes');
    assert.equal((await store.info(done))?.size, 15);
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

async function* one(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

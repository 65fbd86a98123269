/**
 * A full disk is an event to answer, not to die of: with the data directory on a small tmpfs filled from outside,
 * every request that writes state (tokens, quota counters on upload and get) answers -1, the server stays up, and
 * once space is freed the same server serves again — nothing lost, nothing left in staging.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ERRCODES } from '@wxmedia/protocol';
import { jpeg } from '../helpers/images.ts';
import { LEVEL, logOf } from '../helpers/log-capture.ts';
import { mountTmpfs, type Tmpfs } from '../helpers/tmpfs.ts';
import { TEST_APPS, getMedia, startServer, uploadMedia, type InProcessServer } from '../helpers/server.ts';

const mounted = await mountTmpfs({ sizeMb: 20 });
const skip = 'skip' in mounted ? mounted.skip : false;
const disk = mounted as Tmpfs;
const SYSTEM_ERROR = ERRCODES.SYSTEM_ERROR.errcode;

describe('a full disk under the data directory', { skip }, () => {
  let s: InProcessServer;
  const log = logOf({ logs: () => s?.logs() ?? '' });

  before(async () => {
    // The disk under the data directory: the filesystem blob store and LMDB, whatever the run chose.
    s = await startServer({ dataDir: join(disk.path, 'data'), logLevel: 'info', backends: { blob: 'file', state: 'lmdb' } });
  });
  after(async () => {
    await s?.stop();
    await disk.unmount();
  });

  it('answers -1 to every writing request while full, stays up, and serves again once space is freed', async () => {
    const app = TEST_APPS[0];
    const token = await s.token();
    const image = jpeg({ size: 4096 });
    const before = await uploadMedia(s.url, token, { filename: 'before.jpg', bytes: image });
    assert.equal(before.errcode, 0, JSON.stringify(before));

    await disk.fill();
    assert.ok((await disk.available()) < 64 * 1024, 'the filesystem is full');

    // Tokens in a row: each writes state (quota counter, token generation). LMDB first reuses the free pages its
    // file already has; once it must grow the file, commits fail with ENOSPC — the moment the server used to die.
    const q = new URLSearchParams({ grant_type: 'client_credential', appid: app.appid, secret: app.secret });
    let failures = 0;
    for (let i = 0; i < 500 && failures < 20; i++) {
      const r = await fetch(`${s.url}/cgi-bin/token?${q}`);
      assert.equal(r.status, 200);
      const body = (await r.json()) as { errcode?: number; access_token?: string };
      if (body.access_token === undefined) {
        assert.equal(body.errcode, SYSTEM_ERROR, `token ${i} while full: ${JSON.stringify(body)}`);
        failures += 1;
      }
    }
    assert.equal(failures, 20, 'state writes fail while the disk is full');
    const stable = await fetch(`${s.url}/cgi-bin/stable_token`, {
      method: 'POST',
      body: JSON.stringify({ grant_type: 'client_credential', appid: app.appid, secret: app.secret, force_refresh: true }),
    });
    assert.equal(((await stable.json()) as { errcode?: number }).errcode, SYSTEM_ERROR, 'stable_token while full');
    const upload = await uploadMedia(s.url, token, { filename: 'full.jpg', bytes: image });
    assert.equal(upload.errcode, SYSTEM_ERROR, `upload while full: ${JSON.stringify(upload)}`);
    // A get only writes its quota counter, which may still fit in a free page: the bytes or -1, nothing else.
    const get = await getMedia(s.url, token, before.media_id!);
    if (get.headers.get('content-type') === 'image/jpeg') assert.deepEqual(get.body, image);
    else assert.equal(JSON.parse(get.body.toString()).errcode, SYSTEM_ERROR, 'get while full');
    // Gets charge their quota counter with a deferred write (it resolves before its commit): while full, those
    // commits fail after the answer went out. Nobody awaits them any more, so the loss goes to the server's log.
    for (let i = 0; i < 10; i++) await getMedia(s.url, token, before.media_id!);
    const lostWrite = () => log.lines().some((l) => l.level === LEVEL.warn && l['store'] === 'state' && /deferred write was lost/.test(String(l['msg'])));
    for (let waited = 0; !lostWrite() && waited < 5000; waited += 50) await sleep(50);
    assert.ok(lostWrite(), 'a deferred write lost to the full disk is logged as a warning by the server');
    const health = await fetch(`${s.url}/healthz`);
    assert.equal(health.status, 200, 'still up');
    await health.arrayBuffer();

    await disk.free();

    const fresh = await s.token();
    const after = await uploadMedia(s.url, fresh, { filename: 'after.jpg', bytes: image });
    assert.equal(after.errcode, 0, `upload once space is back: ${JSON.stringify(after)}`);
    for (const id of [before.media_id!, after.media_id!]) {
      const got = await getMedia(s.url, fresh, id);
      assert.equal(got.status, 200);
      assert.deepEqual(got.body, image, 'bytes intact');
    }
    assert.deepEqual(await s.leftovers(), [], 'nothing left in staging');
    // The failures were the server's own (its disk): logged as errors, with the rid, and no request is lost silently.
    const errors = log.lines().filter((l) => l.level === LEVEL.error);
    assert.ok(errors.length > 0 && errors.every((l) => typeof l['rid'] === 'string'), 'each -1 is logged at error level with its rid');
  });
});

/**
 * `wxmedia serve --workers 2` on the embedded stores: two processes on one port, one LMDB and one media directory,
 * with the guarantees of two machines. Which worker takes a connection is the kernel's and the primary's choice,
 * so each check goes over many fresh connections (each request below is one) and must hold whichever answers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ERRCODES } from '@wxmedia/protocol';
import { png } from '../helpers/images.ts';
import { fetchToken, startCli, tempDir, uploadMedia, type CliServer } from '../helpers/server.ts';
import { APP, getErrcode, stableToken, waitForWorkers, workerPids } from './fleet.ts';

const GET_QUOTA = 30;
const ADMIN_KEY = 'workers-test-admin-key';

/** Each request on a connection of its own, so the two workers share them. */
const fresh = { headers: { connection: 'close' } };

describe('wxmedia serve --workers 2 on embedded storage', () => {
  let data: { path: string; cleanup(): Promise<void> };
  let server: CliServer;
  before(async () => {
    data = await tempDir('wxmedia-workers-');
    const config = join(data.path, 'wxmedia.json');
    await writeFile(config, JSON.stringify({ dailyQuotas: { '/cgi-bin/media/get': GET_QUOTA } }));
    server = await startCli({ dataDir: join(data.path, 'data'), args: ['--workers', '2', '--config', config], env: { WXMEDIA_ADMIN_KEY: ADMIN_KEY } });
  });
  after(async () => {
    await server?.stop();
    await data?.cleanup();
  });

  const workers = () => workerPids(server.pid);

  it('runs two workers, and media uploaded through one is served through any', async () => {
    assert.equal((await workers()).size, 2);
    const token = await fetchToken(server.url, APP!);
    const media: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await uploadMedia(server.url, token, { filename: `w${i}.png`, bytes: png({ size: 20_000 }), contentType: 'image/png' });
      assert.equal(r.errcode, 0, JSON.stringify(r));
      media.push(r.media_id!);
    }
    for (const id of media) {
      for (let i = 0; i < 4; i++) {
        const r = await fetch(`${server.url}/cgi-bin/media/get?access_token=${encodeURIComponent(token)}&media_id=${id}`, fresh);
        assert.equal(r.headers.get('content-type'), 'image/png');
        await r.arrayBuffer();
      }
    }
  });

  it('one exact quota and one token rotation across the workers', async () => {
    const token = await fetchToken(server.url, APP!);
    const old = (await stableToken(server.url)).access_token!;
    for (let i = 0; i < 4; i++) assert.equal(await getErrcode(server.url, old), ERRCODES.INVALID_MEDIA_ID.errcode);
    const forced = await stableToken(server.url, true);
    assert.ok(forced.access_token);
    await sleep(1_100);
    for (let i = 0; i < 6; i++) assert.equal(await getErrcode(server.url, old), ERRCODES.INVALID_CREDENTIAL.errcode, 'revoked in every worker');

    // A fresh app: quota counters are per app.
    const made = (await (
      await fetch(`${server.url}/wxmedia/admin/apps`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}` }, body: '{}' })
    ).json()) as { appid: string; secret: string };
    const own = await fetchToken(server.url, made);
    const codes = await Promise.all(Array.from({ length: GET_QUOTA + 10 }, () => getErrcode(server.url, own)));
    assert.equal(codes.filter((c) => c === ERRCODES.DAILY_QUOTA.errcode).length, 10, JSON.stringify(codes));
    assert.equal(codes.filter((c) => c === ERRCODES.INVALID_MEDIA_ID.errcode).length, GET_QUOTA);
    assert.ok(token);
  });

  it('a worker killed with -9 is replaced, and the service goes on', async () => {
    const before = await workers();
    const victim = [...before][0]!;
    process.kill(victim, 'SIGKILL');
    const after = await waitForWorkers(server.pid, 2, new Set([victim]));
    assert.ok(!after.has(victim) && after.size === 2, `workers before ${[...before]}, after ${[...after]}`);
    const token = await fetchToken(server.url, APP!);
    for (let i = 0; i < 4; i++) {
      const r = await fetch(`${server.url}/healthz`, fresh);
      assert.equal(r.status, 200);
      await r.arrayBuffer();
    }
    assert.ok(token);
  });
});

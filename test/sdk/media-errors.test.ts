// Error replies on download are recognised by their bytes, whatever the Content-Type: an expired or unknown media
// id is a WeChatError 40007 from every output kind, and never lands in a file or stream as if it were the image.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ERRCODES, MEDIA_TTL_SECONDS, PATHS, RID_PATTERN } from '@wxmedia/protocol';
import { MediaInputError, WeChatClient, WeChatError } from '@wxmedia/sdk';
import { APP, startServer, type RunningServer } from './fixtures/server.ts';
import { pngBytes } from './fixtures/media.ts';

let srv: RunningServer;
let client: WeChatClient;
let dir: string;
const INVALID_MEDIA_ID = ERRCODES.INVALID_MEDIA_ID.errcode;

before(async () => {
  srv = await startServer();
  client = new WeChatClient({ ...APP, baseUrl: srv.url });
  dir = await mkdtemp(join(tmpdir(), 'wxmedia-sdk-errors-'));
});
after(async () => {
  await client.close();
  await srv.stop();
  await rm(dir, { recursive: true, force: true });
});

function is40007(e: unknown): boolean {
  return e instanceof WeChatError && e.errcode === INVALID_MEDIA_ID && e.api === 'getTempMedia' && RID_PATTERN.test(e.rid ?? '');
}

async function expect40007Everywhere(mediaId: string): Promise<void> {
  await assert.rejects(client.https.getTempMedia({ media_id: mediaId }), is40007);
  await assert.rejects(client.https.getTempMediaStream({ media_id: mediaId }), is40007);
  const target = join(dir, 'must-not-exist.png');
  await assert.rejects(client.https.saveTempMedia({ media_id: mediaId, path: target }), is40007);
  assert.deepEqual(await readdir(dir), [], 'no file (and no partial file) is left behind');
  await assert.rejects(client.openapi.customerServiceMessage.getTempMedia({ mediaId }), (e: unknown) => {
    const err = e as WeChatError;
    return err.errCode === INVALID_MEDIA_ID && err.errMsg.startsWith('openapi.customerServiceMessage.getTempMedia:fail invalid media_id');
  });
}

describe('download errors', () => {
  test('the server really sends the 40007 envelope as text/plain (the case this guards)', async () => {
    const token = await client.tokenProvider.getToken();
    const res = await fetch(`${srv.url}${PATHS.get}?access_token=${token}&media_id=${'A'.repeat(64)}`);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const body = (await res.json()) as { errcode: number };
    assert.equal(body.errcode, INVALID_MEDIA_ID);
  });

  test('unknown media id → WeChatError 40007 from buffer, stream, file and cloud face', () => expect40007Everywhere('A'.repeat(64)));

  test('malformed media id → 40007', () => expect40007Everywhere('not-a-media-id'));

  test('expired media id (259 200 s later on the server clock) → 40007', async () => {
    const up = await client.https.uploadTempMedia({ type: 'image', media: pngBytes(4096) });
    const id = up.media_id as string;
    assert.equal((await client.https.getTempMedia({ media_id: id })).buffer.length, 4096);
    srv.clock.advance(MEDIA_TTL_SECONDS);
    await expect40007Everywhere(id);
  });

  test('upload errors keep their errcode: a text file named .png is 40005', async () => {
    await assert.rejects(
      client.https.uploadTempMedia({ type: 'image', media: Buffer.from('hello, not an image'), filename: 'fake.png' }),
      (e: unknown) => e instanceof WeChatError && e.errcode === ERRCODES.INVALID_FILE_TYPE.errcode && e.api === 'uploadTempMedia',
    );
  });

  test('uploads refused before their body was read do not stall later calls (connection not reused)', async () => {
    // Regression: the server answers 40005 after sniffing the first bytes; on a kept-alive connection the unread
    // rest of the body stalled the next request queued on it until the headers timeout.
    const strict = new WeChatClient({ ...APP, baseUrl: srv.url, timeouts: { headersMs: 15_000 }, retry: { maxRetries: 0 } });
    try {
      for (let round = 0; round < 4; round++) {
        for (const size of [60_000, 300_000, 10_000, 1_000_000]) {
          await assert.rejects(
            strict.https.uploadTempMedia({ type: 'image', media: randomBytes(size), filename: 'noise.bin' }),
            (e: unknown) => e instanceof WeChatError && e.errcode === ERRCODES.INVALID_FILE_TYPE.errcode,
          );
        }
        assert.equal((await strict.https.getApiQuota({ cgi_path: PATHS.upload })).errcode, 0);
      }
    } finally {
      await strict.close();
    }
  });

  test('an empty file is the server\'s 44001, not a local guess', async () => {
    await assert.rejects(
      client.https.uploadTempMedia({ type: 'image', media: Buffer.alloc(0), filename: 'empty.png' }),
      (e: unknown) => e instanceof WeChatError && e.errcode === ERRCODES.EMPTY_MEDIA_DATA.errcode,
    );
  });

  test('a file path that cannot be read is a MediaInputError naming it and why, before any request', async () => {
    const missing = join(dir, 'no-such-photo.png');
    for (const [media, why] of [
      [missing, /no-such-photo\.png: no such file/],
      [new URL(`file://${missing}`), /no-such-photo\.png: no such file/],
      [dir, /is a folder, not a file/],
    ] as const) {
      await assert.rejects(client.https.uploadTempMedia({ type: 'image', media }), (e: unknown) => {
        assert.ok(e instanceof MediaInputError, `${String(e)}`);
        assert.equal(e.reason, 'unreadable-file');
        assert.match(e.message, why);
        return true;
      });
    }
    await assert.rejects(
      client.openapi.customerServiceMessage.uploadTempMedia({ type: 'image', media: { contentType: 'image/png', value: 'x' as never } }),
      (e: unknown) => e instanceof MediaInputError && e.errCode === -1 && /:fail /.test(e.errMsg),
    );
  });
});

// Every upload input kind and every download output kind, against a real wxmedia server over a real socket:
// the bytes that come back are the bytes that went in.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { WeChatClient, type MediaInput } from '@wxmedia/sdk';
import { APP, startServer, type InProcessServer } from '../helpers/server.ts';
import { gif, jpeg, png } from '../helpers/images.ts';

let srv: InProcessServer;
let client: WeChatClient;
let dir: string;

before(async () => {
  srv = await startServer();
  client = new WeChatClient({ ...APP, baseUrl: srv.url });
  dir = await mkdtemp(join(tmpdir(), 'wxmedia-sdk-io-'));
});

after(async () => {
  await client.close();
  await srv.stop();
  await rm(dir, { recursive: true, force: true });
});

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

/** Uploads, then downloads the id three ways, and checks each copy byte for byte. */
async function roundTrip(media: MediaInput, expected: Buffer, mime: string): Promise<void> {
  const up = await client.https.uploadTempMedia({ type: 'image', media });
  assert.equal(up.errcode, 0);
  assert.equal(up.type, 'image');
  assert.match(up.media_id ?? '', /^[A-Za-z0-9_-]{64}$/);
  assert.equal(typeof up.created_at, 'number');
  const id = up.media_id as string;

  const asBuffer = await client.https.getTempMedia({ media_id: id });
  assert.ok(asBuffer.buffer.equals(expected), 'buffer download differs');
  assert.equal(asBuffer.content_type, mime);

  const asStream = await client.https.getTempMediaStream({ media_id: id });
  assert.ok((await collect(asStream.stream)).equals(expected), 'stream download differs');
  assert.equal(asStream.content_length, expected.length);

  const path = join(dir, `${id}.out`);
  const saved = await client.https.saveTempMedia({ media_id: id, path });
  assert.ok((await readFile(path)).equals(expected), 'file download differs');
  assert.equal(saved.bytes, expected.length);
}

describe('upload from each input kind, download to each output kind', () => {
  const bytes = png({ size: 300 * 1024 });

  test('Buffer', () => roundTrip(bytes, bytes, 'image/png'));
  test('Uint8Array (not a Buffer)', () => roundTrip(new Uint8Array(bytes), bytes, 'image/png'));
  test('Blob', () => roundTrip(new Blob([bytes]), bytes, 'image/png'));
  test('File with a name and type', () => roundTrip(new File([bytes], 'photo.png', { type: 'image/png' }), bytes, 'image/png'));
  test('node Readable (one-shot stream, several chunks)', () => {
    const chunks = [bytes.subarray(0, 1000), bytes.subarray(1000, 200_000), bytes.subarray(200_000)];
    return roundTrip(Readable.from(chunks), bytes, 'image/png');
  });
  test('web ReadableStream', () => roundTrip(new Blob([bytes]).stream(), bytes, 'image/png'));
  test('async iterable of chunks', () => {
    async function* gen(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i += 65_536) yield bytes.subarray(i, i + 65_536);
    }
    return roundTrip(gen(), bytes, 'image/png');
  });
  test('file path', async () => {
    const path = join(dir, 'input.png');
    await writeFile(path, bytes);
    await roundTrip(path, bytes, 'image/png');
  });
  test('file: URL', async () => {
    const path = join(dir, 'input-url.png');
    await writeFile(path, bytes);
    await roundTrip(pathToFileURL(path), bytes, 'image/png');
  });
  test('file without an extension: the name gets the one the bytes call for', async () => {
    const jpegFile = jpeg({ size: 100 * 1024 });
    const path = join(dir, 'no-extension');
    await writeFile(path, jpegFile);
    await roundTrip(path, jpegFile, 'image/jpeg');
  });
  test('GIF from a Buffer', () => {
    const gifBuffer = gif({ size: 16 * 1024 });
    return roundTrip(gifBuffer, gifBuffer, 'image/gif');
  });
  test('a large file (5 MB) from a path, with progress', async () => {
    const big = jpeg({ size: 5 * 1024 * 1024 });
    const path = join(dir, 'big.jpg');
    await writeFile(path, big);
    let last = [0, 0];
    const up = await client.https.uploadTempMedia({ type: 'image', media: path }, { onProgress: (s, t) => (last = [s, t]) });
    assert.ok(last[0] === last[1] && (last[1] ?? 0) > big.length, 'progress ends at the total body size');
    const back = await client.https.getTempMedia({ media_id: up.media_id as string });
    assert.ok(back.buffer.equals(big));
  });
});

describe('cloud-call face round trip', () => {
  test('uploadTempMedia + getTempMedia with a Buffer', async () => {
    const bytes = jpeg({ size: 50 * 1024 });
    const up = await client.openapi.customerServiceMessage.uploadTempMedia({ type: 'image', media: { contentType: 'image/jpeg', value: bytes } });
    assert.equal(up.errCode, 0);
    assert.equal(up.errMsg, 'openapi.customerServiceMessage.uploadTempMedia:ok');
    assert.equal(up.type, 'image');
    assert.equal(typeof up.createdAt, 'number');
    const got = await client.openapi.customerServiceMessage.getTempMedia({ mediaId: up.mediaId });
    assert.deepEqual(Object.keys(got).sort(), ['buffer', 'contentType', 'errCode', 'errMsg']);
    assert.equal(got.errMsg, 'openapi.customerServiceMessage.getTempMedia:ok');
    assert.equal(got.contentType, 'image/jpeg');
    assert.ok(got.buffer.equals(bytes));
  });
});

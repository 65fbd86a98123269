import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from 'undici';
import { ERRCODES } from '@wxmedia/protocol';
import { png } from '../helpers/images.ts';
import { BOUNDARY, multipartBody } from '../helpers/raw-http.ts';
import { startServer, type InProcessServer } from '../helpers/server.ts';

const PNG_1X1 = png();

/**
 * An upload refused part-way through its body (bad bytes, too large) must not poison the kept-alive connection:
 * the server reads the rest before replying, so the client's next request on the same socket is answered.
 */
describe('keep-alive after a refused upload', () => {
  let f: InProcessServer;
  let client: Client;
  before(async () => {
    f = await startServer({ maxBytes: { image: 256 * 1024 } });
    // One connection only: the second request must travel on the first one's socket.
    client = new Client(f.url, { pipelining: 1, connections: 1, headersTimeout: 20_000, bodyTimeout: 20_000 } as ConstructorParameters<typeof Client>[1]);
  });
  after(async () => {
    await client.close();
    await f.stop();
  });

  const upload = async (token: string, data: Buffer, filename: string) => {
    const body = multipartBody(BOUNDARY, [{ name: 'media', filename, body: data }]);
    const r = await client.request({ method: 'POST', path: `/cgi-bin/media/upload?access_token=${token}&type=image`, headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, body });
    return (await r.body.json()) as { errcode: number };
  };

  for (const [what, data, filename, errcode] of [
    ['text bytes named .jpg (40005 after the first chunk)', Buffer.alloc(2 * 1024 * 1024, 0x61), 'a.jpg', ERRCODES.INVALID_FILE_TYPE.errcode],
    ['a PNG over the size limit (40006 while streaming)', Buffer.concat([PNG_1X1, Buffer.alloc(1024 * 1024)]), 'a.png', ERRCODES.INVALID_MEDIA_SIZE.errcode],
  ] as const) {
    it(`${what}, then a good upload on the same connection`, async () => {
      const token = await f.token();
      assert.equal((await upload(token, data, filename)).errcode, errcode);
      assert.equal((await upload(token, PNG_1X1, 'ok.png')).errcode, 0);
    });
  }
});

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ERRCODES } from '@wxmedia/protocol';
import { png } from '../helpers/images.ts';
import { BOUNDARY, multipartBody } from '../helpers/raw-http.ts';
import { startServer, type InProcessServer } from '../helpers/server.ts';

/** Sends only the request head, then waits for the server's first bytes (and sends the body on `100 Continue`). */
function headFirst(port: number, head: string, body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    let sentBody = false;
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (!sentBody && got.startsWith('HTTP/1.1 100')) {
        sentBody = true;
        socket.write(body);
      }
    });
    socket.on('end', () => resolve(got));
    socket.on('error', reject);
    socket.write(head);
  });
}

describe('Expect: 100-continue', () => {
  let f: InProcessServer;
  before(async () => {
    f = await startServer();
  });
  after(() => f.stop());

  const upload = (query: string) => {
    const body = multipartBody(BOUNDARY, [{ name: 'media', filename: 'a.png', body: png() }]);
    const head =
      `POST /cgi-bin/media/upload?${query} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\n` +
      `Content-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`;
    return headFirst(f.port, head, body);
  };

  it('a bad token is refused before the body is asked for (no 100), and the connection closes', async () => {
    const reply = await upload('access_token=bad&type=image');
    assert.match(reply, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(reply, /\r\nconnection: close\r\n/i);
    assert.match(reply, new RegExp(`"errcode":${ERRCODES.INVALID_ACCESS_TOKEN.errcode}`));
  });

  it('a bad type too (40004), without reading the file', async () => {
    const reply = await upload(`access_token=${await f.token()}&type=voice`);
    assert.doesNotMatch(reply, /^HTTP\/1\.1 100/);
    assert.match(reply, new RegExp(`"errcode":${ERRCODES.INVALID_MEDIA_TYPE.errcode}`));
  });

  it('a good request gets 100 Continue, then its upload result', async () => {
    const reply = await upload(`access_token=${await f.token()}&type=image`);
    assert.match(reply, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    assert.match(reply, /"errcode":0,"errmsg":"ok","type":"image","media_id":"[A-Za-z0-9_-]{64}"/);
  });
});

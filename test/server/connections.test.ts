/**
 * Connection-level answers, each in WeChat's envelope with a rid: over --max-connections (503, Retry-After), a
 * CONNECT (405: no tunnel here, and a 2xx would say there is one), a request on a kept-alive connection while the
 * server shuts down (503).
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ERRCODES } from '@wxmedia/protocol';
import { LEVEL, logOf } from '../helpers/log-capture.ts';
import { parseResponse, rawHead, rawRequest, type RawResponse } from '../helpers/raw-http.ts';
import { startServer, type InProcessServer } from '../helpers/server.ts';

const RID = / rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => resolve(sock));
    sock.on('error', reject);
  });
}

/** One keep-alive request on an open socket; resolves with the reply, leaving the connection open. */
function keepAliveRequest(sock: Socket, target: string): Promise<RawResponse | undefined> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      const parsed = parseResponse(buf);
      const length = Number(parsed?.headers.get('content-length'));
      if (parsed && parsed.body.length >= length) {
        sock.off('data', onData);
        resolve(parsed);
      }
    };
    sock.on('data', onData);
    sock.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  });
}

function assertEnvelope(res: RawResponse | undefined, status: number, errcode: number): void {
  assert.ok(res, 'the server answered');
  assert.equal(res.status, status, res.statusLine);
  assert.equal(res.json()['errcode'], errcode);
  assert.match(String(res.json()['errmsg']), RID);
}

describe('--max-connections', () => {
  let s: InProcessServer;
  const log = logOf({ logs: () => s?.logs() ?? '' });
  const held: Socket[] = [];
  before(async () => {
    s = await startServer({ logLevel: 'info', maxConnections: 3 });
  });
  after(async () => {
    for (const sock of held) sock.destroy();
    await s?.stop();
  });

  it('past the limit a client is answered 503 with Retry-After and closed; once a connection ends, new ones are served', async () => {
    for (let i = 0; i < 3; i++) {
      const sock = await open(s.port);
      held.push(sock);
      assert.equal((await keepAliveRequest(sock, '/healthz'))?.status, 200, 'within the limit');
    }
    const over = await rawRequest(s.port, [rawHead('GET', '/healthz')]);
    assertEnvelope(over, 503, ERRCODES.SYSTEM_ERROR.errcode);
    assert.equal(over?.headers.get('retry-after'), '1');
    assert.equal(over?.headers.get('connection'), 'close');

    // A client that sends a whole body before reading still gets the answer, not a reset.
    const body = Buffer.alloc(256 * 1024, 0x61);
    const withBody = await rawRequest(s.port, [rawHead('POST', '/cgi-bin/stable_token', { 'Content-Length': body.length }), body]);
    assertEnvelope(withBody, 503, ERRCODES.SYSTEM_ERROR.errcode);

    const warnings = log.lines().filter((l) => l.level === LEVEL.warn && String(l.msg).startsWith('connection limit reached'));
    assert.equal(warnings.length, 1, 'one warning, not one per refused connection');

    const closing = held.pop()!;
    await new Promise<void>((resolve) => {
      closing.once('close', () => resolve());
      closing.end();
    });
    let served: RawResponse | undefined;
    for (let i = 0; i < 50 && served?.status !== 200; i++) {
      served = await rawRequest(s.port, [rawHead('GET', '/healthz')]);
      if (served?.status !== 200) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(served?.status, 200, 'served again once under the limit');
  });
});

describe('CONNECT and shutdown', () => {
  let s: InProcessServer;
  before(async () => {
    s = await startServer();
  });
  after(() => s?.stop());

  it('CONNECT is answered like a method no route takes: 40066 in the envelope, but HTTP 405 (no tunnel is open)', async () => {
    for (const target of ['127.0.0.1:443', 'api.weixin.qq.com:443', '/cgi-bin/token']) {
      const res = await rawRequest(s.port, [`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`]);
      assertEnvelope(res, 405, ERRCODES.INVALID_URL.errcode);
      assert.equal(res?.headers.get('connection'), 'close');
    }
    // Unrouted methods Node knows get the same errcode (HTTP 200, as WeChat answers every API error).
    for (const method of ['TRACE', 'PROPFIND', 'SEARCH']) {
      assertEnvelope(await rawRequest(s.port, [rawHead(method, '/cgi-bin/token')]), 200, ERRCODES.INVALID_URL.errcode);
    }
    const health = await fetch(`${s.url}/healthz`);
    assert.equal(health.status, 200);
    await health.arrayBuffer();
  });

  it('a request arriving on a kept-alive connection while the server closes: 503 in the envelope, Connection: close', async () => {
    const own = await startServer();
    const sock = await open(own.port);
    try {
      // The request has begun (so the connection is not idle, which close() would simply end) …
      sock.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      await new Promise((r) => setTimeout(r, 50));
      const chunks: Buffer[] = [];
      sock.on('data', (c: Buffer) => chunks.push(c));
      const ended = new Promise<void>((resolve) => sock.once('close', () => resolve()));
      const closed = own.stop();
      await new Promise((r) => setTimeout(r, 50));
      // … and ends once close() is under way.
      sock.write('\r\n');
      await ended;
      await closed;
      const res = parseResponse(Buffer.concat(chunks));
      assertEnvelope(res, 503, ERRCODES.SYSTEM_ERROR.errcode);
      assert.equal(res?.headers.get('connection'), 'close');
    } finally {
      sock.destroy();
    }
  });
});

/**
 * Slow clients are bounded by how long they keep the server waiting, not by how long their request takes: headers
 * must arrive within the headers timeout, a body may pause at most the idle timeout between bytes and must average
 * the minimum rate — and a slow but live upload succeeds however long it takes. The configured values are the
 * effective ones (Node checks its headers timeout on an interval; a 60 s timeout used to close after up to 90 s).
 *
 * Timing bounds are loose on purpose (the machine is shared): what they catch is a timeout that fires far too
 * early, or not for tens of seconds.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { ERRCODES } from '@wxmedia/protocol';
import { jpeg } from '../helpers/images.ts';
import { LEVEL, serverWithLog } from '../helpers/log-capture.ts';
import { BOUNDARY, multipartBody, parseResponse, rawHead } from '../helpers/raw-http.ts';

const HEADERS_S = 1;
const IDLE_S = 1;
const MIN_RATE = 2000;
/** Slack above a configured timeout before the test calls it late. */
const LATE_MS = 1500;
/** Each test fails by itself well before the old timeouts (60 s headers + 30 s checks, 120 s per request). */
const TEST_TIMEOUT = { timeout: 20_000 };

const f = serverWithLog({ timeouts: { headersSeconds: HEADERS_S, idleSeconds: IDLE_S, minBodyBytesPerSecond: MIN_RATE } }, 'info');
const log = f.log;

interface Timed {
  /** ms from the last byte written until the server closed the connection. */
  readonly afterLastWrite: number;
  /** ms from connecting until the server closed the connection. */
  readonly total: number;
  readonly reply: ReturnType<typeof parseResponse>;
}

/** Writes `pieces` with `pauseMs` between them (stopping once the server has closed), then waits for the close. */
function timedRequest(pieces: readonly (string | Buffer)[], pauseMs: number): Promise<Timed> {
  return new Promise((resolve) => {
    const started = performance.now();
    let lastWrite = started;
    const chunks: Buffer[] = [];
    const sock = connect(f.server.port, '127.0.0.1');
    let closed = false;
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      closed = true;
      const now = performance.now();
      resolve({ afterLastWrite: now - lastWrite, total: now - started, reply: parseResponse(Buffer.concat(chunks)) });
    });
    void (async () => {
      for (const piece of pieces) {
        if (closed) return;
        sock.write(piece);
        lastWrite = performance.now();
        await new Promise((r) => setTimeout(r, pauseMs));
      }
    })();
  });
}

function assertTimeoutReply(t: Timed): void {
  assert.ok(t.reply, 'the server answered before closing');
  assert.equal(t.reply.status, 408, t.reply.statusLine);
  assert.equal(t.reply.json()['errcode'], ERRCODES.SYSTEM_ERROR.errcode);
  assert.match(String(t.reply.json()['errmsg']), / rid: /);
}

const uploadHead = (length: number) =>
  rawHead('POST', `/cgi-bin/media/upload?access_token=${encodeURIComponent(f.token)}&type=image`, {
    'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
    'Content-Length': length,
  });

describe('timeouts', () => {
  it('headers that never finish: 408 at the configured headers timeout, not 30 s later', TEST_TIMEOUT, async () => {
    const t = await timedRequest(['GET /cgi-bin/token?grant_type=client_credential HTTP/1.1\r\nHost: x\r\n'], 0);
    assertTimeoutReply(t);
    assert.ok(t.total >= HEADERS_S * 1000 - 50, `closed after ${Math.round(t.total)} ms: too early`);
    assert.ok(t.total < HEADERS_S * 1000 + LATE_MS, `closed after ${Math.round(t.total)} ms: the headers timeout is ${HEADERS_S} s`);
  });

  it('headers trickled a byte at a time are bounded the same way (slow-loris)', TEST_TIMEOUT, async () => {
    const line = 'GET /cgi-bin/token HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(100);
    const t = await timedRequest([...line], 50);
    assertTimeoutReply(t);
    assert.ok(t.total < HEADERS_S * 1000 + LATE_MS, `closed after ${Math.round(t.total)} ms`);
  });

  it('a body that stops: 408 after the idle timeout, and the upload leaves nothing behind', TEST_TIMEOUT, async () => {
    const body = multipartBody(BOUNDARY, [{ name: 'media', filename: 'a.jpg', contentType: 'image/jpeg', body: jpeg({ size: 50_000 }) }]);
    const t = await timedRequest([uploadHead(body.length), body.subarray(0, 20_000)], 0);
    assertTimeoutReply(t);
    assert.equal(t.reply?.headers.get('connection'), 'close');
    assert.ok(t.afterLastWrite >= IDLE_S * 1000 - 50, `closed ${Math.round(t.afterLastWrite)} ms after the last byte: too early`);
    assert.ok(t.afterLastWrite < IDLE_S * 1000 + LATE_MS, `closed ${Math.round(t.afterLastWrite)} ms after the last byte`);
    assert.deepEqual(await f.server.leftovers(), []);
  });

  it('a JSON body that stops, on WeChat\'s API or the admin API: 408 the same way', TEST_TIMEOUT, async () => {
    const admin = { Authorization: `Bearer ${f.server.server.adminKey}`, 'Content-Length': 100 };
    for (const head of [rawHead('POST', '/cgi-bin/stable_token', { 'Content-Length': 100 }), rawHead('POST', '/wxmedia/admin/apps', admin)]) {
      const t = await timedRequest([head, '{"grant_type":'], 0);
      assertTimeoutReply(t);
      assert.ok(t.afterLastWrite < IDLE_S * 1000 + LATE_MS);
    }
  });

  it('a body that never pauses long but averages below the minimum rate: 408 once the grace is used', TEST_TIMEOUT, async () => {
    const body = multipartBody(BOUNDARY, [{ name: 'media', filename: 'a.jpg', contentType: 'image/jpeg', body: jpeg({ size: 20_000 }) }]);
    // One byte every 100 ms: never idle for IDLE_S, but 10 B/s against a minimum of MIN_RATE.
    const t = await timedRequest([uploadHead(body.length), ...[...body.subarray(0, 200)].map((b) => Buffer.from([b]))], 100);
    assertTimeoutReply(t);
    assert.ok(t.total < IDLE_S * 1000 + LATE_MS + 500, `closed after ${Math.round(t.total)} ms`);
    assert.ok(log.lines().some((l) => l.msg === 'request body too slow' && l['reason'] === 'slow'));
  });

  it('a slow but live upload succeeds however long it takes (here four times the idle and headers timeouts)', TEST_TIMEOUT, async () => {
    const image = jpeg({ size: 160_000 });
    const body = multipartBody(BOUNDARY, [{ name: 'media', filename: 'slow.jpg', contentType: 'image/jpeg', body: image }]);
    const pieces: Buffer[] = [];
    for (let i = 0; i < body.length; i += 4096) pieces.push(body.subarray(i, i + 4096));
    // 4 KiB every 100 ms: about 40 KiB/s, above the minimum rate, for about four seconds.
    const t = await timedRequest([uploadHead(body.length), ...pieces], 100);
    assert.ok(t.total > 4 * Math.max(IDLE_S, HEADERS_S) * 1000 - 500, `took ${Math.round(t.total)} ms`);
    assert.equal(t.reply?.status, 200);
    assert.equal(t.reply?.json()['errcode'], 0, t.reply?.body.toString());
  });

  it('none of it is an error-level line: slow clients are the clients\' business', () => {
    assert.deepEqual(
      log.lines().filter((l) => l.level >= LEVEL.error),
      [],
    );
  });
});

/**
 * Bad input against a listening server over real sockets. Each case: the right errcode in WeChat's envelope
 * (HTTP 200, `errmsg` ending in a rid), the server still up (/healthz), and no residue: no new media committed
 * (asked through the BlobStore contract) and nothing left by unfinished writes (the storage back end's own look,
 * test/helpers/storage.ts), whichever back ends the run chose.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ERRCODES } from '@wxmedia/protocol';
import { gif, jpeg, png } from '../helpers/images.ts';
import { BOUNDARY, multipartBody, rawHead, rawRequest, type PartSpec, type RawResponse } from '../helpers/raw-http.ts';
import { TEST_APPS, startServer, uploadMedia, type InProcessServer } from '../helpers/server.ts';

const SMALL_LIMIT = 64 * 1024;
const MB = 1024 * 1024;
const RID = / rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;

let big: InProcessServer; // default limits (image 10 MB)
let small: InProcessServer; // image limit 64 KiB
let token: string;
let smallToken: string;
let otherToken: string;

before(async () => {
  big = await startServer();
  small = await startServer({ maxBytes: { image: SMALL_LIMIT } });
  token = await big.token();
  otherToken = await big.token(TEST_APPS[1]);
  smallToken = await small.token();
});
after(async () => {
  await big?.stop();
  await small?.stop();
});

// ------------------------------------------------------------------------------------------------- helpers

function uploadTarget(t: string, query = 'type=image'): string {
  return `/cgi-bin/media/upload?access_token=${encodeURIComponent(t)}&${query}`;
}

/** A raw upload with a correct Content-Length. */
function rawUpload(server: InProcessServer, body: Buffer, options: { contentType?: string | null; target?: string } = {}) {
  const headers: Record<string, string | number> = { 'Content-Length': body.length };
  if (options.contentType !== null) headers['Content-Type'] = options.contentType ?? `multipart/form-data; boundary=${BOUNDARY}`;
  return rawRequest(server.port, [rawHead('POST', options.target ?? uploadTarget(server === small ? smallToken : token), headers), body]);
}

function part(body: Uint8Array | string, spec: Omit<PartSpec, 'body'> = {}): PartSpec {
  return { name: 'media', filename: 'a.jpg', contentType: 'image/jpeg', ...spec, body };
}

/** HTTP 200, WeChat's envelope, this errcode. */
function assertErr(res: RawResponse | undefined, errcode: number): void {
  assert.ok(res, 'the server answered');
  assert.equal(res.status, 200, res.statusLine);
  const body = res.json();
  assert.equal(body['errcode'], errcode, JSON.stringify(body));
  assert.match(String(body['errmsg']), RID);
}

/**
 * The HTTP message itself ended early (client FIN mid-body): Node's parser reports it and the server answers
 * HTTP 400 with the envelope (errcode -1), like any malformed HTTP; or 41005 if the route saw it first; or nothing.
 */
function assertIncompleteHttp(res: RawResponse | undefined): void {
  if (res === undefined) return;
  if (res.status === 200) return assertErr(res, ERRCODES.MEDIA_DATA_MISSING.errcode);
  assert.equal(res.status, 400, res.statusLine);
  assert.equal(res.json()['errcode'], ERRCODES.SYSTEM_ERROR.errcode);
  assert.match(String(res.json()['errmsg']), RID);
}

async function healthy(server: InProcessServer): Promise<void> {
  const r = await fetch(`${server.url}/healthz`);
  await r.arrayBuffer();
  assert.equal(r.status, 200, 'server still up');
}

/**
 * Waits (bounded) for unfinished writes to be cleaned up — aborted uploads clean up after the client is gone — then
 * checks that none is left and that exactly `newMedia` media were committed.
 */
async function assertNoResidue(server: InProcessServer, mediaBefore: readonly string[], newMedia = 0): Promise<void> {
  let leftovers = await server.leftovers();
  for (let i = 0; i < 200 && leftovers.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
    leftovers = await server.leftovers();
  }
  assert.deepEqual(leftovers, [], 'no unfinished write is left behind');
  const added = (await server.mediaIds()).filter((id) => !mediaBefore.includes(id));
  assert.equal(added.length, newMedia, `new media: ${added.join(', ')}`);
}

/** One bad-input case on one of the two servers: run it, then the server is up and nothing was left behind. */
function badCase(name: string, server: () => InProcessServer, fn: () => Promise<void>, options: { newMedia?: number; todo?: string } = {}): void {
  it(name, options.todo ? { todo: options.todo } : {}, async () => {
    const srv = server();
    const before = await srv.mediaIds();
    await fn();
    await healthy(srv);
    await assertNoResidue(srv, before, options.newMedia ?? 0);
  });
}

/** The server with default limits (image 10 MB). */
const defaultLimits = () => big;
/** The server whose image limit is 64 KiB. */
const smallImageLimit = () => small;

// ---------------------------------------------------------------------------------------------- multipart

describe('multipart bodies', () => {
  badCase('malformed: a part header line without a colon → 41005', defaultLimits, async () => {
    const body = Buffer.from(`--${BOUNDARY}\r\nthis is not a header\r\n\r\n${'x'.repeat(100)}\r\n--${BOUNDARY}--\r\n`);
    assertErr(await rawUpload(big, body), ERRCODES.MEDIA_DATA_MISSING.errcode);
  });

  badCase('malformed: no delimiter anywhere in the body → 41005', defaultLimits, async () => {
    assertErr(await rawUpload(big, Buffer.from('hello, this is not multipart at all')), ERRCODES.MEDIA_DATA_MISSING.errcode);
  });

  badCase('malformed: the body uses a different boundary than the header → 41005', defaultLimits, async () => {
    const body = multipartBody('someOtherBoundary', [part(jpeg({ size: 2000 }))]);
    assertErr(await rawUpload(big, body), ERRCODES.MEDIA_DATA_MISSING.errcode);
  });

  badCase('truncated: the body ends mid-file (no close delimiter), Content-Length honest → 41005', defaultLimits, async () => {
    const full = multipartBody(BOUNDARY, [part(jpeg({ size: 50_000 }))], { close: false });
    const cut = full.subarray(0, full.length - 20_000);
    assertErr(await rawUpload(big, cut), ERRCODES.MEDIA_DATA_MISSING.errcode);
  });

  badCase('truncated: chunked body whose multipart stops mid-file, then the last chunk → 41005', defaultLimits, async () => {
    const full = multipartBody(BOUNDARY, [part(jpeg({ size: 50_000 }))]);
    const cut = full.subarray(0, 30_000);
    const chunked = Buffer.concat([Buffer.from(`${cut.length.toString(16)}\r\n`), cut, Buffer.from('\r\n0\r\n\r\n')]);
    const head = rawHead('POST', uploadTarget(token), { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Transfer-Encoding': 'chunked' });
    assertErr(await rawRequest(big.port, [head, chunked]), ERRCODES.MEDIA_DATA_MISSING.errcode);
  });

  badCase('truncated: Content-Length promises more than is sent, the client half-closes → 400/41005 envelope or closed, nothing stored', defaultLimits, async () => {
    const full = multipartBody(BOUNDARY, [part(jpeg({ size: 50_000 }))]);
    const head = rawHead('POST', uploadTarget(token), { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Content-Length': full.length });
    const res = await rawRequest(big.port, [head, full.subarray(0, 30_000)], { after: 'end' });
    assertIncompleteHttp(res);
  });

  badCase('truncated: chunked body that ends before its last chunk (client half-closes) → 400/41005 envelope or closed, nothing stored', defaultLimits, async () => {
    const full = multipartBody(BOUNDARY, [part(jpeg({ size: 50_000 }))]);
    const piece = full.subarray(0, 30_000);
    const head = rawHead('POST', uploadTarget(token), { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Transfer-Encoding': 'chunked' });
    const res = await rawRequest(big.port, [head, `${piece.length.toString(16)}\r\n`, piece, '\r\n'], { after: 'end' });
    assertIncompleteHttp(res);
  });

  badCase('missing boundary: Content-Type multipart/form-data without boundary= → 41005', defaultLimits, async () => {
    const body = multipartBody(BOUNDARY, [part(jpeg())]);
    assertErr(await rawUpload(big, body, { contentType: 'multipart/form-data' }), ERRCODES.MEDIA_DATA_MISSING.errcode);
  });

  badCase('not multipart: a JSON body → 41005', defaultLimits, async () => {
    assertErr(await rawUpload(big, Buffer.from('{"media":"x"}'), { contentType: 'application/json' }), ERRCODES.MEDIA_DATA_MISSING.errcode);
  });

  badCase('not multipart: the raw JPEG as the body (Content-Type image/jpeg) → 41005', defaultLimits, async () => {
    assertErr(await rawUpload(big, jpeg({ size: 3000 }), { contentType: 'image/jpeg' }), ERRCODES.MEDIA_DATA_MISSING.errcode);
  });

  badCase('no Content-Type header at all → 41005', defaultLimits, async () => {
    const body = multipartBody(BOUNDARY, [part(jpeg())]);
    assertErr(await rawUpload(big, body, { contentType: null }), ERRCODES.MEDIA_DATA_MISSING.errcode);
  });

  badCase('two `media` parts (both valid images) → 41005, neither stored', defaultLimits, async () => {
    const body = multipartBody(BOUNDARY, [part(jpeg({ size: 2000 })), part(jpeg({ size: 3000 }), { filename: 'b.jpg' })]);
    assertErr(await rawUpload(big, body), ERRCODES.MEDIA_DATA_MISSING.errcode);
  });

  badCase('a differently named part (`file=`) → 41005', defaultLimits, async () => {
    const body = multipartBody(BOUNDARY, [part(jpeg({ size: 2000 }), { name: 'file' })]);
    assertErr(await rawUpload(big, body), ERRCODES.MEDIA_DATA_MISSING.errcode);
  });

  badCase('`media` without any filename (a plain form field) → 41005', defaultLimits, async () => {
    const body = multipartBody(BOUNDARY, [{ name: 'media', body: jpeg({ size: 2000 }) }]);
    assertErr(await rawUpload(big, body), ERRCODES.MEDIA_DATA_MISSING.errcode);
  });

  badCase('a part named only by RFC 2231 `filename*=` → 41005', defaultLimits, async () => {
    const body = multipartBody(BOUNDARY, [part(jpeg({ size: 2000 }), { disposition: `form-data; name="media"; filename*=UTF-8''a.jpg` })]);
    assertErr(await rawUpload(big, body), ERRCODES.MEDIA_DATA_MISSING.errcode);
  });

  badCase('huge part headers (a 16 KiB header line in the part) → 41005', defaultLimits, async () => {
    const body = multipartBody(BOUNDARY, [part(jpeg({ size: 2000 }), { extraHeaders: [`X-Pad: ${'a'.repeat(16 * 1024)}`] })]);
    assertErr(await rawUpload(big, body), ERRCODES.MEDIA_DATA_MISSING.errcode);
  });

  badCase('many tiny parts before `media` (part count bound) → 41005', defaultLimits, async () => {
    const fields = Array.from({ length: 200 }, (_, i) => ({ name: `f${i}`, body: 'x' }));
    const body = multipartBody(BOUNDARY, [...fields, part(jpeg({ size: 2000 }))]);
    assertErr(await rawUpload(big, body), ERRCODES.MEDIA_DATA_MISSING.errcode);
  });
});

// ------------------------------------------------------------------------------------------- HTTP framing

describe('HTTP headers and URLs', () => {
  badCase('huge HTTP headers (40 KiB) → 431 with the JSON envelope, server up', defaultLimits, async () => {
    const head = rawHead('GET', `/cgi-bin/media/get?access_token=${encodeURIComponent(token)}&media_id=x`, { 'X-Pad': 'a'.repeat(40 * 1024) });
    const res = await rawRequest(big.port, [head]);
    assert.ok(res, 'the server answered');
    assert.equal(res.status, 431, res.statusLine);
    const body = res.json();
    assert.equal(typeof body['errcode'], 'number');
    assert.match(String(body['errmsg']), RID);
  });

  badCase('huge request line (a 40 KiB query string) on upload → 431 with the JSON envelope', defaultLimits, async () => {
    const res = await rawRequest(big.port, [rawHead('POST', `${uploadTarget(token)}&pad=${'a'.repeat(40 * 1024)}`, { 'Content-Length': 0 })]);
    assert.ok(res);
    assert.equal(res.status, 431, res.statusLine);
    assert.match(String(res.json()['errmsg']), RID);
  });

  badCase(
    'a client that half-closes (FIN) right after a complete request still gets its answer',
    defaultLimits,
    async () => {
      const t = encodeURIComponent(token);
      const get = await rawRequest(big.port, [rawHead('GET', `/cgi-bin/media/get?access_token=${t}&media_id=${'A'.repeat(64)}`)], { after: 'end' });
      assertErr(get, ERRCODES.INVALID_MEDIA_ID.errcode);
      const body = multipartBody(BOUNDARY, [part('not an image')]);
      assertErr(
        await rawRequest(big.port, [rawHead('POST', uploadTarget(token), { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Content-Length': body.length }), body], { after: 'end' }),
        ERRCODES.INVALID_FILE_TYPE.errcode,
      );
    },
  );

  badCase('unknown path → 40066', defaultLimits, async () => {
    for (const path of ['/cgi-bin/nope', '/', '/cgi-bin/media/upload/extra', '/cgi-bin/media', '/etc/passwd']) {
      assertErr(await rawRequest(big.port, [rawHead('GET', path)]), ERRCODES.INVALID_URL.errcode);
      assertErr(await rawRequest(big.port, [rawHead('POST', path, { 'Content-Length': 3 }), 'abc']), ERRCODES.INVALID_URL.errcode);
    }
  });

  badCase('malformed percent-encoding in the path → 40066', defaultLimits, async () => {
    assertErr(await rawRequest(big.port, [rawHead('GET', '/cgi-bin/%E0%A4%A')]), ERRCODES.INVALID_URL.errcode);
    assertErr(await rawRequest(big.port, [rawHead('GET', '/cgi-bin/media/%ZZget?access_token=x')]), ERRCODES.INVALID_URL.errcode);
  });

  badCase('malformed percent-encoding in the query → a token error (40014), not a crash', defaultLimits, async () => {
    assertErr(await rawRequest(big.port, [rawHead('GET', '/cgi-bin/media/get?access_token=%ZZ%E0%A4%A&media_id=%')]), ERRCODES.INVALID_ACCESS_TOKEN.errcode);
  });

  badCase('malformed percent-encoding in media_id with a good token → 40007', defaultLimits, async () => {
    const t = encodeURIComponent(token);
    assertErr(await rawRequest(big.port, [rawHead('GET', `/cgi-bin/media/get?access_token=${t}&media_id=%E0%A4%A%ZZ`)]), ERRCODES.INVALID_MEDIA_ID.errcode);
  });
});

// ------------------------------------------------------------------------------------------ size and type

describe('size limits', () => {
  badCase('a file of exactly the limit (64 KiB) is accepted', smallImageLimit, async () => {
    const bytes = jpeg({ size: SMALL_LIMIT });
    const r = await uploadMedia(small.url, smallToken, { filename: 'limit.jpg', bytes, contentType: 'image/jpeg' });
    assert.equal(r.errcode, 0, JSON.stringify(r));
    const got = await fetch(`${small.url}/cgi-bin/media/get?access_token=${encodeURIComponent(smallToken)}&media_id=${r.media_id}`);
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), bytes);
  }, { newMedia: 1 });

  badCase('limit + 1 byte (64 KiB + 1) → 40006', smallImageLimit, async () => {
    const r = await uploadMedia(small.url, smallToken, { filename: 'over.jpg', bytes: jpeg({ size: SMALL_LIMIT + 1 }), contentType: 'image/jpeg' });
    assert.equal(r.errcode, ERRCODES.INVALID_MEDIA_SIZE.errcode, JSON.stringify(r));
    assert.match(r.errmsg, /^invalid meida size rid: /);
  });

  badCase('limit + 1 byte over a raw socket, with more parts after it → 40006', smallImageLimit, async () => {
    const body = multipartBody(BOUNDARY, [part(png({ size: SMALL_LIMIT + 1 }), { filename: 'over.png', contentType: 'image/png' }), { name: 'x', body: 'y' }]);
    assertErr(await rawUpload(small, body), ERRCODES.INVALID_MEDIA_SIZE.errcode);
  });

  badCase('the default limit: exactly 10 MiB is accepted', defaultLimits, async () => {
    const r = await uploadMedia(big.url, token, { filename: 'ten.jpg', bytes: jpeg({ size: 10 * MB, fill: 0x55 }), contentType: 'image/jpeg' });
    assert.equal(r.errcode, 0, JSON.stringify(r));
  }, { newMedia: 1 });

  badCase('the default limit: 10 MiB + 1 byte → 40006 (undici fetch)', defaultLimits, async () => {
    const r = await uploadMedia(big.url, token, { filename: 'big.jpg', bytes: jpeg({ size: 10 * MB + 1 }), contentType: 'image/jpeg' });
    assert.equal(r.errcode, ERRCODES.INVALID_MEDIA_SIZE.errcode, JSON.stringify(r));
  });

  badCase('the default limit: 10 MiB + 1 byte over a raw socket → 40006', defaultLimits, async () => {
    const body = multipartBody(BOUNDARY, [part(jpeg({ size: 10 * MB + 1 }))]);
    assertErr(await rawUpload(big, body), ERRCODES.INVALID_MEDIA_SIZE.errcode);
  });

  badCase('a zero-byte file → 44001', defaultLimits, async () => {
    const r = await uploadMedia(big.url, token, { filename: 'empty.jpg', bytes: new Uint8Array(0), contentType: 'image/jpeg' });
    assert.equal(r.errcode, ERRCODES.EMPTY_MEDIA_DATA.errcode, JSON.stringify(r));
  });
});

describe('file types', () => {
  badCase('a text file named .jpg → 40005', defaultLimits, async () => {
    const r = await uploadMedia(big.url, token, { filename: 'notes.jpg', bytes: Buffer.from('just some text, not an image\n'.repeat(50)), contentType: 'image/jpeg' });
    assert.equal(r.errcode, ERRCODES.INVALID_FILE_TYPE.errcode, JSON.stringify(r));
  });

  badCase('a real PNG named .txt → 40005', defaultLimits, async () => {
    const r = await uploadMedia(big.url, token, { filename: 'image.txt', bytes: png(), contentType: 'text/plain' });
    assert.equal(r.errcode, ERRCODES.INVALID_FILE_TYPE.errcode, JSON.stringify(r));
  });

  badCase('a real PNG named .jpg → 40005', defaultLimits, async () => {
    const r = await uploadMedia(big.url, token, { filename: 'image.jpg', bytes: png({ size: 5000 }), contentType: 'image/jpeg' });
    assert.equal(r.errcode, ERRCODES.INVALID_FILE_TYPE.errcode, JSON.stringify(r));
  });

  badCase('a GIF with no extension → 40005', defaultLimits, async () => {
    const r = await uploadMedia(big.url, token, { filename: 'image', bytes: gif(), contentType: 'image/gif' });
    assert.equal(r.errcode, ERRCODES.INVALID_FILE_TYPE.errcode, JSON.stringify(r));
  });

  badCase('a path in the filename (`../../x.jpg`) is only a name: accepted, stored inside media/', defaultLimits, async () => {
    const r = await uploadMedia(big.url, token, { filename: '../../x.jpg', bytes: jpeg(), contentType: 'image/jpeg' });
    assert.equal(r.errcode, 0, JSON.stringify(r));
  }, { newMedia: 1 });
});

describe('odd but valid uploads are accepted', () => {
  const img = () => jpeg({ size: 1500 });
  const accepted = async (contentType: string, body: Buffer) => {
    const res = await rawUpload(big, body, { contentType });
    assert.equal(res?.json()['errcode'], 0, res?.body.toString());
  };
  const ct = `multipart/form-data; boundary=${BOUNDARY}`;

  badCase('upper-case and mixed-case extensions (A.JPG, b.Jpeg)', defaultLimits, async () => {
    await accepted(ct, multipartBody(BOUNDARY, [part(img(), { filename: 'A.JPG' })]));
    await accepted(ct, multipartBody(BOUNDARY, [part(img(), { filename: 'b.Jpeg' })]));
  }, { newMedia: 2 });

  badCase('quoted boundary, parameters in another order, upper-case media type', defaultLimits, async () => {
    await accepted(`multipart/form-data; boundary="${BOUNDARY}"`, multipartBody(BOUNDARY, [part(img())]));
    await accepted(`multipart/form-data; charset=utf-8; boundary=${BOUNDARY}`, multipartBody(BOUNDARY, [part(img())]));
    await accepted(`MULTIPART/FORM-DATA; BOUNDARY=${BOUNDARY}`, multipartBody(BOUNDARY, [part(img())]));
  }, { newMedia: 3 });

  badCase('a part without Content-Type, with preamble and epilogue, after and before other fields', defaultLimits, async () => {
    await accepted(ct, multipartBody(BOUNDARY, [{ name: 'media', filename: 'a.jpg', body: img() }]));
    await accepted(ct, Buffer.concat([Buffer.from('preamble\r\n'), multipartBody(BOUNDARY, [part(img())]), Buffer.from('epilogue')]));
    await accepted(ct, multipartBody(BOUNDARY, [{ name: 'type', body: 'image' }, part(img()), { name: 'x', body: 'y' }]));
  }, { newMedia: 3 });

  badCase('both filename= and filename*= (the plain one counts)', defaultLimits, async () => {
    await accepted(ct, multipartBody(BOUNDARY, [part(img(), { disposition: `form-data; name="media"; filename="a.jpg"; filename*=UTF-8''b.jpg` })]));
  }, { newMedia: 1 });
});

describe('Range on get (RFC 9110, single range)', () => {
  let id = '';
  const bytes = jpeg({ size: 1000 });
  const get = (range: string, mediaId = id) =>
    rawRequest(big.port, [rawHead('GET', `/cgi-bin/media/get?access_token=${encodeURIComponent(token)}&media_id=${mediaId}`, { Range: range })]);
  before(async () => {
    id = (await uploadMedia(big.url, token, { filename: 'r.jpg', bytes, contentType: 'image/jpeg' })).media_id!;
  });

  badCase('satisfiable ranges → 206 with exactly those bytes', defaultLimits, async () => {
    for (const [range, start, end] of [['bytes=0-0', 0, 0], ['bytes=10-', 10, 999], ['bytes=-10', 990, 999], ['bytes=0-99999', 0, 999]] as const) {
      const r = await get(range);
      assert.equal(r?.status, 206, range);
      assert.equal(r.headers.get('content-range'), `bytes ${start}-${end}/1000`);
      assert.ok(r.body.equals(bytes.subarray(start, end + 1)), range);
    }
  });

  badCase('unsatisfiable ranges → 416 with Content-Range bytes */size', defaultLimits, async () => {
    for (const range of ['bytes=1000-', 'bytes=-0']) {
      const r = await get(range);
      assert.equal(r?.status, 416, range);
      assert.equal(r.headers.get('content-range'), 'bytes */1000');
    }
  });

  badCase('malformed or multi ranges are ignored → 200 and the whole file', defaultLimits, async () => {
    for (const range of ['bytes=5-2', 'items=0-1', 'bytes=abc', 'bytes=0-1,3-4']) {
      const r = await get(range);
      assert.equal(r?.status, 200, range);
      assert.ok(r.body.equals(bytes), range);
    }
  });

  badCase('a Range on an unknown media_id → 40007, not 416', defaultLimits, async () => {
    assertErr(await get('bytes=0-1', 'A'.repeat(64)), ERRCODES.INVALID_MEDIA_ID.errcode);
  });
});

// ------------------------------------------------------------------------------------------------ media_id

describe('bad media_id on get', () => {
  const get = (mediaIdEncoded: string, t = token) =>
    rawRequest(big.port, [rawHead('GET', `/cgi-bin/media/get?access_token=${encodeURIComponent(t)}&media_id=${mediaIdEncoded}`)]);

  badCase('`../../etc/passwd` → 40007 (raw and percent-encoded)', defaultLimits, async () => {
    assertErr(await get('../../etc/passwd'), ERRCODES.INVALID_MEDIA_ID.errcode);
    assertErr(await get(encodeURIComponent('../../etc/passwd')), ERRCODES.INVALID_MEDIA_ID.errcode);
    assertErr(await get(encodeURIComponent('../../../../../../../../etc/passwd'.padEnd(64, '/'))), ERRCODES.INVALID_MEDIA_ID.errcode);
  });

  badCase('2 KiB of garbage → 40007', defaultLimits, async () => {
    const garbage = Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 7919 + 13) % 256));
    assertErr(await get(encodeURIComponent(garbage.toString('latin1'))), ERRCODES.INVALID_MEDIA_ID.errcode);
    assertErr(await get('A'.repeat(2048)), ERRCODES.INVALID_MEDIA_ID.errcode);
  });

  badCase('`%00` (and a NUL inside an id-shaped string) → 40007', defaultLimits, async () => {
    assertErr(await get('%00'), ERRCODES.INVALID_MEDIA_ID.errcode);
    assertErr(await get(`${'A'.repeat(32)}%00${'A'.repeat(31)}`), ERRCODES.INVALID_MEDIA_ID.errcode);
  });

  badCase('empty and missing media_id → 40007', defaultLimits, async () => {
    assertErr(await get(''), ERRCODES.INVALID_MEDIA_ID.errcode);
    assertErr(await rawRequest(big.port, [rawHead('GET', `/cgi-bin/media/get?access_token=${encodeURIComponent(token)}`)]), ERRCODES.INVALID_MEDIA_ID.errcode);
  });

  badCase('a well-formed but forged id (64 chars, never issued) → 40007', defaultLimits, async () => {
    assertErr(await get('A'.repeat(64)), ERRCODES.INVALID_MEDIA_ID.errcode);
    assertErr(await get('abcdefghijklmnopqrstuvwxyz0123456789_-ABCDEFGHIJKLMNOPQRSTUVWXYZ'), ERRCODES.INVALID_MEDIA_ID.errcode);
  });

  badCase('another app\'s media_id → 40007 (and a one-character change of a real id → 40007)', defaultLimits, async () => {
    const up = await uploadMedia(big.url, otherToken, { filename: 'theirs.jpg', bytes: jpeg(), contentType: 'image/jpeg' });
    assert.equal(up.errcode, 0);
    const id = up.media_id!;
    assertErr(await get(id), ERRCODES.INVALID_MEDIA_ID.errcode);
    const ok = await get(id, otherToken);
    assert.equal(ok?.status, 200);
    assert.equal(ok.headers.get('content-type'), 'image/jpeg');
    const flipped = id.slice(0, 40) + (id[40] === 'A' ? 'B' : 'A') + id.slice(41);
    assertErr(await get(flipped, otherToken), ERRCODES.INVALID_MEDIA_ID.errcode);
  }, { newMedia: 1 });
});

// ------------------------------------------------------------------------------------- duplicated params

describe('duplicated query parameters (the first one counts)', () => {
  const jpegPart = () => multipartBody(BOUNDARY, [part(jpeg({ size: 2000 }))]);

  badCase('type=image&type=video → uploaded as image', defaultLimits, async () => {
    const res = await rawUpload(big, jpegPart(), { target: uploadTarget(token, 'type=image&type=video') });
    assert.equal(res?.json()['errcode'], 0, res?.body.toString());
    assert.equal(res.json()['type'], 'image');
  }, { newMedia: 1 });

  badCase('type=video&type=image → 40004 (video is not for mini programs)', defaultLimits, async () => {
    assertErr(await rawUpload(big, jpegPart(), { target: uploadTarget(token, 'type=video&type=image') }), ERRCODES.INVALID_MEDIA_TYPE.errcode);
  });

  badCase('type missing, or empty → 40004', defaultLimits, async () => {
    assertErr(await rawUpload(big, jpegPart(), { target: `/cgi-bin/media/upload?access_token=${encodeURIComponent(token)}` }), ERRCODES.INVALID_MEDIA_TYPE.errcode);
    assertErr(await rawUpload(big, jpegPart(), { target: uploadTarget(token, 'type=') }), ERRCODES.INVALID_MEDIA_TYPE.errcode);
  });

  badCase('two access_tokens: valid first → accepted; garbage first → 40014', defaultLimits, async () => {
    const good = encodeURIComponent(token);
    const ok = await rawUpload(big, jpegPart(), { target: `/cgi-bin/media/upload?access_token=${good}&access_token=garbage&type=image` });
    assert.equal(ok?.json()['errcode'], 0, ok?.body.toString());
    assertErr(
      await rawUpload(big, jpegPart(), { target: `/cgi-bin/media/upload?access_token=garbage&access_token=${good}&type=image` }),
      ERRCODES.INVALID_ACCESS_TOKEN.errcode,
    );
  }, { newMedia: 1 });

  badCase('two media_ids on get: the first decides', defaultLimits, async () => {
    const up = await uploadMedia(big.url, token, { filename: 'dup.jpg', bytes: jpeg(), contentType: 'image/jpeg' });
    const t = encodeURIComponent(token);
    const first = await rawRequest(big.port, [rawHead('GET', `/cgi-bin/media/get?access_token=${t}&media_id=${up.media_id}&media_id=nope`)]);
    assert.equal(first?.status, 200);
    assert.equal(first.headers.get('content-type'), 'image/jpeg');
    assertErr(await rawRequest(big.port, [rawHead('GET', `/cgi-bin/media/get?access_token=${t}&media_id=nope&media_id=${up.media_id}`)]), ERRCODES.INVALID_MEDIA_ID.errcode);
  }, { newMedia: 1 });
});

// ------------------------------------------------------------------------------------------------ methods

describe('every method on every endpoint', () => {
  const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;
  type Method = (typeof METHODS)[number];
  interface Endpoint {
    readonly path: string;
    readonly allowed: readonly Method[];
    /** The request that succeeds with an allowed method: target and body. */
    ok(method: Method): Promise<{ target: string; body?: Buffer; contentType?: string }>;
    readonly wrong: number;
  }
  let mediaId = '';
  const t = () => encodeURIComponent(token);
  const ENDPOINTS: Endpoint[] = [
    {
      path: '/cgi-bin/token',
      allowed: ['GET'],
      wrong: ERRCODES.REQUIRE_GET.errcode,
      ok: async () => ({ target: `/cgi-bin/token?grant_type=client_credential&appid=${TEST_APPS[0].appid}&secret=${TEST_APPS[0].secret}` }),
    },
    {
      path: '/cgi-bin/stable_token',
      allowed: ['POST'],
      wrong: ERRCODES.REQUIRE_POST.errcode,
      ok: async () => ({
        target: '/cgi-bin/stable_token',
        contentType: 'application/json',
        body: Buffer.from(JSON.stringify({ grant_type: 'client_credential', appid: TEST_APPS[0].appid, secret: TEST_APPS[0].secret })),
      }),
    },
    {
      path: '/cgi-bin/media/upload',
      allowed: ['POST'],
      wrong: ERRCODES.REQUIRE_POST.errcode,
      ok: async () => ({ target: uploadTarget(token), contentType: `multipart/form-data; boundary=${BOUNDARY}`, body: multipartBody(BOUNDARY, [part(jpeg())]) }),
    },
    {
      path: '/cgi-bin/media/get',
      allowed: ['GET', 'HEAD'],
      wrong: ERRCODES.REQUIRE_GET.errcode,
      ok: async () => ({ target: `/cgi-bin/media/get?access_token=${t()}&media_id=${mediaId}` }),
    },
    {
      path: '/cgi-bin/clear_quota',
      allowed: ['POST'],
      wrong: ERRCODES.REQUIRE_POST.errcode,
      ok: async () => ({ target: `/cgi-bin/clear_quota?access_token=${t()}`, contentType: 'application/json', body: Buffer.from(JSON.stringify({ appid: TEST_APPS[0].appid })) }),
    },
    {
      path: '/cgi-bin/openapi/quota/get',
      allowed: ['POST'],
      wrong: ERRCODES.REQUIRE_POST.errcode,
      ok: async () => ({
        target: `/cgi-bin/openapi/quota/get?access_token=${t()}`,
        contentType: 'application/json',
        body: Buffer.from(JSON.stringify({ cgi_path: '/cgi-bin/media/upload' })),
      }),
    },
  ];

  before(async () => {
    const up = await uploadMedia(big.url, token, { filename: 'm.jpg', bytes: jpeg(), contentType: 'image/jpeg' });
    mediaId = up.media_id!;
  });

  for (const ep of ENDPOINTS) {
    for (const method of METHODS) {
      const allowed = ep.allowed.includes(method);
      const expected = allowed ? 'success' : method === 'HEAD' ? 'HTTP 200, no body' : `${ep.wrong}`;
      badCase(`${method} ${ep.path} → ${expected}`, defaultLimits, async () => {
        // Wrong methods get the endpoint's own valid request (token, body), so only the method is wrong.
        const req = await ep.ok(method);
        const headers: Record<string, string | number> = { 'Content-Length': req.body?.length ?? 0 };
        if (req.contentType) headers['Content-Type'] = req.contentType;
        const res = await rawRequest(big.port, [rawHead(method, req.target, headers), ...(req.body ? [req.body] : [])]);
        assert.ok(res, 'the server answered');
        assert.equal(res.status, 200, `${res.statusLine} (never 404/500)`);
        if (method === 'HEAD') {
          assert.equal(res.body.length, 0);
          if (!allowed) assert.match(res.headers.get('content-type') ?? '', /^(text\/plain|application\/json)/);
          return;
        }
        if (!allowed) return assertErr(res, ep.wrong);
        if (ep.path === '/cgi-bin/media/get') {
          assert.equal(res.headers.get('content-type'), 'image/jpeg');
          return;
        }
        const body = res.json();
        assert.ok(body['errcode'] === 0 || (body['errcode'] === undefined && typeof body['access_token'] === 'string'), JSON.stringify(body));
      }, { newMedia: allowed && ep.path === '/cgi-bin/media/upload' ? 1 : 0 });
    }
  }
});

// ----------------------------------------------------------------------------------------------- clients

describe('clients that go away', () => {
  badCase('a slow client that disconnects mid-upload: nothing stored, server up', defaultLimits, async () => {
    const full = multipartBody(BOUNDARY, [part(jpeg({ size: 400_000 }))]);
    const head = rawHead('POST', uploadTarget(token), { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Content-Length': full.length });
    const pieces: Buffer[] = [];
    for (let i = 0; i < 200_000; i += 8192) pieces.push(full.subarray(i, i + 8192));
    const res = await rawRequest(big.port, [head, ...pieces], { pauseMs: 10, after: 'destroy' });
    assert.equal(res, undefined, 'no reply to a client that left');
  });

  badCase('a client that sends only part of the headers and disconnects', defaultLimits, async () => {
    const res = await rawRequest(big.port, [`POST ${uploadTarget(token)} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le`], { after: 'destroy' });
    assert.equal(res, undefined);
  });

  badCase('many aborted uploads at once leave nothing behind', defaultLimits, async () => {
    const full = multipartBody(BOUNDARY, [part(jpeg({ size: 300_000 }))]);
    const head = rawHead('POST', uploadTarget(token), { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Content-Length': full.length });
    await Promise.all(Array.from({ length: 16 }, () => rawRequest(big.port, [head, full.subarray(0, 150_000)], { pauseMs: 20, after: 'destroy' })));
  });
});

// ----------------------------------------------------------------------------------------- token guards

describe('token errors come before the body is read', () => {
  badCase('upload with no access_token → 41001; malformed → 40014; unknown but well formed → 40001', defaultLimits, async () => {
    const body = multipartBody(BOUNDARY, [part(jpeg())]);
    assertErr(await rawUpload(big, body, { target: '/cgi-bin/media/upload?type=image' }), ERRCODES.ACCESS_TOKEN_MISSING.errcode);
    assertErr(await rawUpload(big, body, { target: uploadTarget('not-a-token') }), ERRCODES.INVALID_ACCESS_TOKEN.errcode);
    // A token of the other (small) server: same format, another signing key.
    assertErr(await rawUpload(big, body, { target: uploadTarget(smallToken) }), ERRCODES.INVALID_CREDENTIAL.errcode);
  });

  badCase('a token in a header or the body is ignored → 41001', defaultLimits, async () => {
    const body = multipartBody(BOUNDARY, [{ name: 'access_token', body: token }, part(jpeg())]);
    const head = rawHead('POST', '/cgi-bin/media/upload?type=image', {
      'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
      'Content-Length': body.length,
      Authorization: `Bearer ${token}`,
      access_token: token,
    });
    assertErr(await rawRequest(big.port, [head, body]), ERRCODES.ACCESS_TOKEN_MISSING.errcode);
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  boundaryOf,
  heldBack,
  MultipartError,
  parseMultipart,
  readPartBody,
  type MultipartErrorReason,
  type MultipartLimits,
} from './multipart.ts';

const B = 'XyZ-boundary_123';

/** Deterministic PRNG (mulberry32) so a failing fuzz case can be replayed. */
function rng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

interface Spec {
  readonly headers: string;
  readonly body: Buffer | string;
}

function build(parts: readonly Spec[], opts: { preamble?: string; epilogue?: string; boundary?: string } = {}): Buffer {
  const b = opts.boundary ?? B;
  const out: Buffer[] = [Buffer.from(opts.preamble ?? '')];
  parts.forEach((p, i) => {
    out.push(Buffer.from(`${i === 0 && !opts.preamble ? '' : '\r\n'}--${b}\r\n${p.headers}\r\n`));
    out.push(Buffer.from(p.body));
  });
  out.push(Buffer.from(`\r\n--${b}--${opts.epilogue ?? ''}`));
  return Buffer.concat(out);
}

const field = (name: string, value: string): Spec => ({
  headers: `Content-Disposition: form-data; name="${name}"\r\n`,
  body: value,
});

/** Feeds `data` in chunks whose sizes come from `size` (a number or a function). */
async function* chunks(data: Buffer, size: number | (() => number) = data.length || 1): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; ) {
    const n = Math.max(1, typeof size === 'number' ? size : size());
    yield new Uint8Array(data.subarray(i, i + n));
    i += n;
  }
}

interface Got {
  name: string | undefined;
  filename: string | undefined;
  filenameStar: boolean;
  contentType: string | undefined;
  headers: Map<string, string>;
  body: Buffer;
}

async function collect(source: AsyncIterable<Uint8Array>, limits?: MultipartLimits, boundary = B): Promise<Got[]> {
  const got: Got[] = [];
  for await (const p of parseMultipart(source, boundary, limits)) {
    const bufs: Buffer[] = [];
    for await (const c of p.body) bufs.push(c);
    const { name, filename, filenameStar, contentType } = p;
    got.push({ name, filename, filenameStar, contentType, headers: new Map(p.headers), body: Buffer.concat(bufs) });
  }
  return got;
}

async function rejectsWith(promise: Promise<unknown>, reason: MultipartErrorReason): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof MultipartError, `expected MultipartError, got ${String(e)}`);
    assert.equal(e.reason, reason);
    return true;
  });
}

const tricky = Buffer.concat([
  // Delimiter lookalikes: no leading CRLF, a bare LF or CR, a truncated boundary.
  Buffer.from(`--${B}\r\n\r\n-${B}\n--${B}\r--${B}\r\n--${B.slice(0, -1)}\r\n-\r\n--`),
  Buffer.from([0, 13, 10, 13, 10, 255, 45, 45, 13]),
]);

const fileSpec = (body: Buffer | string): Spec => ({
  headers: 'Content-Disposition: form-data; name="media"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n',
  body,
});

describe('boundaryOf', () => {
  it('reads quoted and unquoted boundaries, case-insensitive type', () => {
    assert.equal(boundaryOf('multipart/form-data; boundary=abc'), 'abc');
    assert.equal(boundaryOf('Multipart/Form-Data ; BOUNDARY="a b:c?"'), 'a b:c?');
    assert.equal(boundaryOf('multipart/form-data; charset=utf-8; boundary=----=_Part_1'), '----=_Part_1');
  });
  it('refuses a missing, invalid or non-form-data boundary', () => {
    for (const ct of [
      undefined,
      '',
      'multipart/form-data',
      'multipart/mixed; boundary=abc',
      'multipart/form-data; boundary=',
      'multipart/form-data; boundary=""',
      `multipart/form-data; boundary=${'a'.repeat(71)}`,
      'multipart/form-data; boundary="ends with space "',
      'multipart/form-data; boundary="bad\u00e9"',
      'multipart/form-data; boundary=a; boundary=b',
      'multipart/form-data; boundary="unterminated',
    ]) {
      assert.equal(boundaryOf(ct), undefined, String(ct));
    }
    assert.equal(boundaryOf(`multipart/form-data; boundary=${'a'.repeat(70)}`), 'a'.repeat(70));
  });
});

describe('parseMultipart: well-formed input', () => {
  it('parses a single file part', async () => {
    const [p, ...rest] = await collect(chunks(build([fileSpec(tricky)])));
    assert.equal(rest.length, 0);
    assert.ok(p);
    assert.equal(p.name, 'media');
    assert.equal(p.filename, 'a.jpg');
    assert.equal(p.filenameStar, false);
    assert.equal(p.contentType, 'image/jpeg');
    assert.equal(p.headers.get('content-disposition'), 'form-data; name="media"; filename="a.jpg"');
    assert.deepEqual(p.body, tricky);
  });

  it('keeps multiple parts byte-identical at every chunking, down to 1 byte', async () => {
    const specs = [field('a', 'x'), fileSpec(tricky), { headers: '', body: '' }, fileSpec(randomBytes(3000))];
    const data = build(specs);
    for (const size of [1, 2, 3, 7, 17, 64, 1000, data.length]) {
      const got = await collect(chunks(data, size));
      assert.deepEqual(
        got.map((g) => g.body),
        specs.map((s) => Buffer.from(s.body)),
        `chunk size ${size}`,
      );
    }
  });

  it('finds the delimiter split at every position', async () => {
    const data = build([fileSpec(tricky), field('b', 'y')]);
    for (let cut = 1; cut < data.length; cut++) {
      async function* two(): AsyncGenerator<Uint8Array> {
        yield data.subarray(0, cut);
        yield data.subarray(cut);
      }
      const got = await collect(two());
      assert.deepEqual(got[0]?.body, tricky, `cut at ${cut}`);
      assert.equal(got[1]?.body.toString(), 'y');
    }
  });

  it('finds every delimiter across every split into three chunks', async () => {
    // Two parts whose bodies end in delimiter prefixes, so each cut lands inside, before or after a near-miss.
    const specs = [fileSpec(`a\r\n--${B.slice(0, 5)}\r`), field('b', `\r\n-\r\n--${B.slice(0, -1)}x`)];
    const data = build(specs);
    for (let i = 1; i < data.length; i++) {
      for (let j = i; j < data.length; j++) {
        async function* three(): AsyncGenerator<Uint8Array> {
          yield data.subarray(0, i);
          if (j > i) yield data.subarray(i, j);
          yield data.subarray(j);
        }
        const got = await collect(three());
        assert.deepEqual(
          got.map((g) => g.body.toString('latin1')),
          specs.map((x) => x.body.toString()),
          `cuts at ${i}, ${j}`,
        );
      }
    }
  });

  it('hands a body chunk out without copying it, holding back only a possible delimiter start', async () => {
    const head = build([fileSpec('')]).subarray(0, -`\r\n--${B}--`.length);
    const payload = Buffer.alloc(64 * 1024, 7);
    const endsLikeDelimiter = Buffer.concat([Buffer.alloc(1000, 7), Buffer.from(`\r\n--${B.slice(0, 3)}`)]);
    const tail = Buffer.from(`${B.slice(3)}--`);
    const sources = [head, payload, endsLikeDelimiter, tail];
    const slices: Buffer[] = [];
    for await (const part of parseMultipart((async function* () { yield* sources; })(), B)) {
      for await (const slice of part.body) slices.push(slice);
    }
    // The whole 64 KiB chunk is one slice over the source's own memory.
    assert.ok(slices.some((x) => x.length === payload.length && x.buffer === payload.buffer && x.byteOffset === payload.byteOffset));
    assert.deepEqual(Buffer.concat(slices), Buffer.concat([payload, endsLikeDelimiter.subarray(0, 1000)]));
  });

  it('copies only a few KiB of a large chunk joined to header bytes carried over', async () => {
    const payload = Buffer.alloc(64 * 1024, 9);
    const data = build([fileSpec(payload)]);
    const cut = 20; // inside the part's header block
    const second = Buffer.from(data.subarray(cut));
    const slices: Buffer[] = [];
    for await (const part of parseMultipart((async function* () { yield data.subarray(0, cut); yield second; })(), B)) {
      for await (const slice of part.body) slices.push(slice);
    }
    assert.deepEqual(Buffer.concat(slices), payload);
    const shared = slices.filter((x) => x.buffer === second.buffer).reduce((n, x) => n + x.length, 0);
    assert.ok(shared > payload.length - 8 * 1024, `only ${shared} bytes handed out uncopied`);
  });

  it('heldBack keeps exactly the longest suffix that could begin the delimiter', () => {
    const d = Buffer.from(`\r\n--${B}`);
    assert.equal(heldBack(Buffer.from('abc'), 0, d), 0);
    assert.equal(heldBack(Buffer.from('abc\r'), 0, d), 1);
    assert.equal(heldBack(Buffer.from('abc\r\n-'), 0, d), 3);
    assert.equal(heldBack(Buffer.from(`abc\r\n--${B.slice(0, -1)}`), 0, d), d.length - 1);
    assert.equal(heldBack(Buffer.from('abc\r\nx'), 0, d), 0, 'CR LF then something else: not a delimiter start');
    assert.equal(heldBack(Buffer.from('\r\r'), 0, d), 1, 'the later CR');
    assert.equal(heldBack(Buffer.from('ab\r'), 3, d), 0, 'nothing from `from` on');
  });

  it('keeps a 5 MB random body intact under random chunking', async () => {
    const big = randomBytes(5 * 1024 * 1024);
    // Plant delimiter lookalikes so the search has near-misses to reject. The bytes around them are fixed: a random
    // byte equal to the boundary's last character after the first, or a random CRLF before the second, would make
    // a real delimiter (about 1 run in 256 failed that way).
    const nearMiss = Buffer.from(`\r\n--${B.slice(0, -1)}`);
    nearMiss.copy(big, 1234);
    big[1234 + nearMiss.length] = 0x00;
    Buffer.from(`--${B}`).copy(big, 99_999);
    big[99_998] = 0x00;
    const data = build([field('type', 'image'), fileSpec(big)]);
    const r = rng(5);
    const got = await collect(chunks(data, () => 1 + r(70_000)));
    assert.equal(got.length, 2);
    assert.ok(got[1]?.body.equals(big));
  });

  it('ignores preamble and epilogue, and allows transport padding', async () => {
    const data = build([field('a', '1')], { preamble: 'This is a preamble\r\n', epilogue: '\r\nepilogue --bye' });
    assert.deepEqual((await collect(chunks(data, 3))).map((g) => g.body.toString()), ['1']);
    const padded = Buffer.from(`--${B} \t\r\n\r\nv\r\n--${B}\t --\r\n`);
    assert.deepEqual((await collect(chunks(padded, 1))).map((g) => g.body.toString()), ['v']);
  });

  it('handles empty bodies and parts without headers', async () => {
    const got = await collect(chunks(build([{ headers: '', body: '' }, field('e', '')])));
    assert.equal(got.length, 2);
    assert.equal(got[0]?.name, undefined);
    assert.equal(got[0]?.filename, undefined);
    assert.equal(got[0]?.headers.size, 0);
    assert.equal(got[1]?.name, 'e');
    assert.equal(got[1]?.body.length, 0);
  });

  it('skips bodies that are not consumed, abandoned midway or skip()ped', async () => {
    const data = build([fileSpec(randomBytes(100_000)), fileSpec('second'), field('c', 'third'), field('d', 'fourth')]);
    const seen: string[] = [];
    let i = 0;
    for await (const p of parseMultipart(chunks(data, 1000), B)) {
      if (i === 0) {
        for await (const _ of p.body) break; // abandon after one chunk
      } else if (i === 1) {
        // not read at all
      } else if (i === 2) {
        await p.skip();
        await p.skip();
      } else {
        seen.push((await readPartBody(p, 100)).toString());
      }
      i++;
    }
    assert.equal(i, 4);
    assert.deepEqual(seen, ['fourth']);
  });

  it('gives a stale part an empty body once the parser moved on', async () => {
    const gen = parseMultipart(chunks(build([field('a', 'first'), field('b', 'second')])), B);
    const first = (await gen.next()).value;
    const second = (await gen.next()).value;
    assert.ok(first && second);
    assert.equal((await readPartBody(first, 100)).length, 0);
    assert.equal((await readPartBody(second, 100)).toString(), 'second');
    assert.equal((await gen.next()).done, true);
  });
});

describe('parseMultipart: Content-Disposition', () => {
  const one = async (cd: string): Promise<Got> => {
    const [p] = await collect(chunks(build([{ headers: `${cd}\r\n`, body: 'x' }])));
    assert.ok(p);
    return p;
  };

  it('reads quoted, unquoted and escaped parameters, case-insensitively', async () => {
    let p = await one('content-disposition: form-data; NAME=media; FileName=a.jpg');
    assert.deepEqual([p.name, p.filename, p.filenameStar], ['media', 'a.jpg', false]);
    p = await one('Content-Disposition:form-data;name="a\\"b\\\\c";filename="x; y=z.jpg" ;');
    assert.deepEqual([p.name, p.filename], ['a"b\\c', 'x; y=z.jpg']);
    p = await one('Content-Disposition: form-data; name="m"; filename="中文.png"');
    assert.equal(p.filename, '中文.png');
    p = await one('Content-Disposition: form-data; name=""; filename=""');
    assert.deepEqual([p.name, p.filename], ['', '']);
  });

  it('tells filename*= apart from filename=', async () => {
    let p = await one("Content-Disposition: form-data; name=\"media\"; filename*=UTF-8''x.jpg");
    assert.deepEqual([p.filename, p.filenameStar], [undefined, true]);
    p = await one("Content-Disposition: form-data; name=\"media\"; filename=\"a.jpg\"; FILENAME*=UTF-8''b.jpg");
    assert.deepEqual([p.filename, p.filenameStar], ['a.jpg', true]);
  });

  it('refuses broken parameter syntax', async () => {
    for (const cd of [
      'form-data; name="unterminated',
      'form-data; name=a b',
      'form-data; name',
      'form-data; =x',
      'form-data; name=',
      'form-data; name="a"; name="b"',
      'form-data; name="a"x',
      'form data; name="a"',
      '',
    ]) {
      await rejectsWith(one(`Content-Disposition: ${cd}`), 'malformed');
    }
  });
});

describe('parseMultipart: bad input', () => {
  it('refuses an invalid boundary', async () => {
    await rejectsWith(collect(chunks(Buffer.from('x')), {}, ''), 'no-boundary');
    await rejectsWith(collect(chunks(Buffer.from('x')), {}, 'a\r\nb'), 'no-boundary');
  });

  it('refuses malformed header lines', async () => {
    for (const h of [
      'no colon here\r\n',
      ': empty name\r\n',
      'Bad Name: x\r\n',
      'Content-Type: a\r\n folded\r\n',
      '\tContent-Type: a\r\n',
      'X-A: bare\nLF\r\n',
      'X-A: bare\rCR\r\n',
      'X-A: nul\0\r\n',
      'Content-Type: a\r\ncontent-type: b\r\n',
    ]) {
      await rejectsWith(collect(chunks(build([{ headers: h, body: 'x' }]), 5)), 'malformed');
    }
  });

  it('refuses a delimiter followed by junk', async () => {
    await rejectsWith(collect(chunks(Buffer.from(`--${B}x\r\n\r\nbody\r\n--${B}--`))), 'malformed');
    await rejectsWith(collect(chunks(Buffer.from(`--${B}\r\n\r\nbody\r\n--${B}x--`))), 'malformed');
    await rejectsWith(collect(chunks(Buffer.from(`--${B}\r\n\r\nbody\r\n--${B}\rx`))), 'malformed');
  });

  it('bounds the header block', async () => {
    const h = `Content-Disposition: form-data; name="a"\r\nX-Pad: ${'p'.repeat(200)}\r\n`;
    const data = build([{ headers: h, body: 'x' }]);
    const exact = Buffer.byteLength(h);
    assert.equal((await collect(chunks(data, 1), { maxPartHeaderBytes: exact })).length, 1);
    await rejectsWith(collect(chunks(data, 1), { maxPartHeaderBytes: exact - 1 }), 'header-too-large');
    // Never-ending headers are refused without reading the whole source.
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(`--${B}\r\nX: `);
      for (;;) {
        pulled++;
        yield Buffer.alloc(1024, 0x61);
      }
    }
    await rejectsWith(collect(endless()), 'header-too-large');
    assert.ok(pulled <= 10, `pulled ${pulled} KiB`);
  });

  it('bounds the number of parts', async () => {
    const specs = Array.from({ length: 17 }, (_, i) => field(`f${i}`, String(i)));
    assert.equal((await collect(chunks(build(specs.slice(0, 16))))).length, 16);
    await rejectsWith(collect(chunks(build(specs))), 'too-many-parts');
    await rejectsWith(collect(chunks(build(specs.slice(0, 3))), { maxParts: 2 }), 'too-many-parts');
  });

  it('reports truncation wherever the source ends', async () => {
    const data = build([fileSpec('hello world')]);
    const headersAt = data.indexOf('Content-Type');
    const bodyAt = data.indexOf('hello') + 3;
    const closeAt = data.length - 2; // inside the final "--"
    for (const cut of [0, 5, headersAt, bodyAt, data.indexOf(`\r\n--${B}--`), closeAt, data.length - 1]) {
      await rejectsWith(collect(chunks(data.subarray(0, cut), 4)), 'truncated');
    }
    await rejectsWith(collect(chunks(Buffer.from('just a preamble, no delimiter'))), 'truncated');
    await rejectsWith(collect(chunks(Buffer.from(`--${B}\r\n\r\nx\r\n--${B}\r\n`))), 'truncated');
  });

  it('raises truncation from the body iterator and keeps failing afterwards', async () => {
    const gen = parseMultipart(chunks(Buffer.from(`--${B}\r\n\r\npartial`)), B);
    const part = (await gen.next()).value;
    assert.ok(part);
    await rejectsWith(readPartBody(part, 100), 'truncated');
    await rejectsWith(gen.next(), 'truncated');
  });

  it('readPartBody refuses an oversized field', async () => {
    const gen = parseMultipart(chunks(build([field('a', '12345')])), B);
    const part = (await gen.next()).value;
    assert.ok(part);
    await rejectsWith(readPartBody(part, 4), 'malformed');
  });

  it('only ever throws MultipartError on mutated input (fuzz)', async () => {
    const base = build([field('type', 'image'), fileSpec(Buffer.concat([tricky, randomBytes(300)])), field('z', '')], {
      epilogue: '\r\n',
    });
    const r = rng(2024);
    const insertions = [`\r\n--${B}`, '\r\n', '--', '"', ';', '\\', ':', ' ', '\0', '\xff', 'filename*=', '\r\n\r\n'];
    let parsed = 0;
    let refused = 0;
    for (let round = 0; round < 400; round++) {
      let data = Buffer.from(base);
      for (let m = 1 + r(3); m > 0; m--) {
        const at = r(data.length + 1);
        const kind = r(5);
        if (kind === 0 && data.length > 0) data[at % data.length] = r(256);
        else if (kind === 1) data = Buffer.concat([data.subarray(0, at), data.subarray(at + 1 + r(20))]);
        else if (kind === 2) data = data.subarray(0, at);
        else if (kind === 3) data = Buffer.concat([data.subarray(0, at), Buffer.from(randomBytes(1 + r(8)))]);
        else {
          const ins = Buffer.from(insertions[r(insertions.length)] ?? '', 'latin1');
          data = Buffer.concat([data.subarray(0, at), ins, data.subarray(at)]);
        }
      }
      const limits = r(2) === 0 ? { maxPartHeaderBytes: 40 + r(100), maxParts: 1 + r(4) } : {};
      try {
        await collect(chunks(data, () => 1 + r(64)), limits);
        parsed++;
      } catch (e) {
        assert.ok(e instanceof MultipartError, `round ${round}: ${String(e)}`);
        refused++;
      }
    }
    assert.ok(parsed > 0 && refused > 0, `parsed ${parsed}, refused ${refused}`);
  });
});

describe('parseMultipart: backpressure', () => {
  it('reads the source only as fast as a slow consumer reads the body', async () => {
    const chunkSize = 64 * 1024;
    const total = 160; // 10 MiB, generated lazily
    let pulled = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="media"; filename="a.bin"\r\n\r\n`);
      for (; pulled < total; ) {
        pulled++;
        yield Buffer.alloc(chunkSize, pulled & 0xff);
      }
      yield Buffer.from(`\r\n--${B}--`);
    }
    let consumed = 0;
    let maxAhead = 0;
    for await (const part of parseMultipart(source(), B)) {
      for await (const c of part.body) {
        consumed += c.length;
        maxAhead = Math.max(maxAhead, pulled * chunkSize - consumed);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    assert.equal(consumed, total * chunkSize);
    assert.ok(maxAhead <= chunkSize + 100, `source ran ${maxAhead} bytes ahead of the consumer`);
  });
});

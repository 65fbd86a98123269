import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { exactRange } from './s3-range.ts';

const BYTES = Buffer.from(Array.from({ length: 100 }, (_, i) => i));

/** A body as a server would send it: `first`..`last` of BYTES, in small chunks. */
function body(first: number, last: number): Readable {
  const part = BYTES.subarray(first, last + 1);
  return Readable.from(Array.from({ length: Math.ceil(part.length / 7) }, (_, i) => part.subarray(i * 7, i * 7 + 7)));
}

async function read(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('exactRange: what a GetObject reply holds, cut to the requested range', () => {
  it('an exact 206 passes through', async () => {
    const got = exactRange({ body: body(10, 19), contentRange: 'bytes 10-19/100', contentLength: 10 }, { start: 10, end: 19 });
    assert.equal(got.size, 100);
    assert.deepEqual(await read(got.stream), BYTES.subarray(10, 20));
  });

  it('a wider 206 (s3rver answers bytes=0-0 whole) is cut down', async () => {
    const got = exactRange({ body: body(0, 99), contentRange: 'bytes 0-99/100', contentLength: 100 }, { start: 0, end: 0 });
    assert.deepEqual(await read(got.stream), BYTES.subarray(0, 1));
    const middle = exactRange({ body: body(5, 60), contentRange: 'bytes 5-60/100', contentLength: 56 }, { start: 17, end: 33 });
    assert.deepEqual(await read(middle.stream), BYTES.subarray(17, 34));
  });

  it('a 200 with the whole object (range ignored) is cut down', async () => {
    const got = exactRange({ body: body(0, 99), contentRange: undefined, contentLength: 100 }, { start: 98, end: 99 });
    assert.equal(got.size, 100);
    assert.deepEqual(await read(got.stream), BYTES.subarray(98, 100));
  });

  it('a reply that does not cover the request, or says nothing usable, is an error', () => {
    assert.throws(() => exactRange({ body: body(10, 19), contentRange: 'bytes 10-19/100', contentLength: 10 }, { start: 5, end: 19 }));
    assert.throws(() => exactRange({ body: body(10, 19), contentRange: 'bytes 10-19/100', contentLength: 10 }, { start: 10, end: 20 }));
    assert.throws(() => exactRange({ body: body(10, 19), contentRange: 'bytes */100', contentLength: 10 }, { start: 10, end: 19 }));
  });
});

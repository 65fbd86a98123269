import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BLOB_HEADER_BYTES, encodeBlobHeader } from './fs-blob-header.ts';

/** The header for `filename`, and how many characters of JSON encoding it produced on the way (the work done). */
function encodeCounting(filename: string): { header: Buffer; stringified: number } {
  const original = JSON.stringify;
  let stringified = 0;
  JSON.stringify = ((...args: Parameters<typeof JSON.stringify>) => {
    const text = original(...args);
    stringified += text.length;
    return text;
  }) as typeof JSON.stringify;
  try {
    return { header: encodeBlobHeader({ appid: 'wxapp', createdAt: 0, contentType: 'image/jpeg', filename }), stringified };
  } finally {
    JSON.stringify = original;
  }
}

describe('encodeBlobHeader', () => {
  it("fits a filename of megabytes (a cloud call's may be) with work bounded by the header, not by the name", () => {
    // One character each of 1, 6 (escaped), 3 and 4 (a surrogate pair) bytes of JSON.
    for (const char of ['a', '\u0001', '图', '😀']) {
      const filename = `${char.repeat(2 * 1024 * 1024)}.jpg`;
      const { header, stringified } = encodeCounting(filename);
      assert.equal(header.length, BLOB_HEADER_BYTES);
      assert.ok(stringified < 64 * BLOB_HEADER_BYTES, `${JSON.stringify(char)}: ${stringified} characters of JSON made to fit a 4 KiB header`);
      // What fits is a prefix of the name, cut between characters (no half of a surrogate pair).
      const kept = header.toString('utf8', 12, 12 + header.readUInt32BE(8));
      const { filename: cut } = JSON.parse(kept) as { filename: string };
      assert.ok(cut.length > 400 && filename.startsWith(cut), `${JSON.stringify(char)}: a prefix (${cut.length} UTF-16 units)`);
      assert.ok(cut.length === 0 || !/[\ud800-\udbff]$/.test(cut), 'not cut inside a surrogate pair');
      assert.ok(Buffer.byteLength(kept) > BLOB_HEADER_BYTES - 12 - 64, 'most of the room is used');
    }
  });
});

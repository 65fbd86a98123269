/**
 * Small, valid images made in-test (no fixtures, no image library), optionally padded to an exact byte size with
 * segments every decoder skips — so tests can hit a size limit to the byte with a file that is still a real image.
 *
 *   jpeg({ size })  baseline JPEG, 8×8 mid-grey, padded with COM segments
 *   png({ size })   8×8 RGB PNG (real zlib IDAT, real CRCs), padded with a private ancillary chunk `wxPd`
 *   gif({ size })   1×1 GIF89a, padded with a comment extension
 *
 * Padding bytes are random unless `fill` is given, so two images of one size differ (byte-for-byte checks mean
 * something). Each was checked with djpeg / pngtopnm / giftopnm when written.
 */
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';

export interface ImageOptions {
  /** Exact total size in bytes; default: the smallest image. */
  readonly size?: number;
  /** Padding byte; default random bytes. */
  readonly fill?: number;
}

export type ImageKind = 'jpg' | 'png' | 'gif';

export function image(kind: ImageKind, options: ImageOptions = {}): Buffer {
  return kind === 'jpg' ? jpeg(options) : kind === 'png' ? png(options) : gif(options);
}

export const MIME: Readonly<Record<ImageKind, string>> = { jpg: 'image/jpeg', png: 'image/png', gif: 'image/gif' };

function padding(n: number, fill: number | undefined): Buffer {
  return fill === undefined ? randomBytes(n) : Buffer.alloc(n, fill);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

// ---------------------------------------------------------------------------------------------------------- JPEG

/** Baseline JPEG, one 8×8 grey block: DC diff 0 and EOB, each coded by a one-entry Huffman table ('0'). */
function jpegCore(): { head: Buffer; tail: Buffer } {
  const seg = (marker: number, body: Buffer) => Buffer.concat([Buffer.from([0xff, marker]), u16(body.length + 2), body]);
  const soi = Buffer.from([0xff, 0xd8]);
  const app0 = seg(0xe0, Buffer.from([0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]));
  const dqt = seg(0xdb, Buffer.concat([Buffer.from([0x00]), Buffer.alloc(64, 1)]));
  const sof0 = seg(0xc0, Buffer.from([8, 0, 8, 0, 8, 1, 1, 0x11, 0]));
  const oneCode = (tableClassId: number) => Buffer.concat([Buffer.from([tableClassId, 1]), Buffer.alloc(15, 0), Buffer.from([0x00])]);
  const dhtDc = seg(0xc4, oneCode(0x00));
  const dhtAc = seg(0xc4, oneCode(0x10));
  const sos = seg(0xda, Buffer.from([1, 1, 0x00, 0, 63, 0]));
  // Bits "0" (DC category 0) + "0" (EOB), padded with 1s.
  const scan = Buffer.from([0x3f]);
  const eoi = Buffer.from([0xff, 0xd9]);
  return { head: Buffer.concat([soi, app0]), tail: Buffer.concat([dqt, sof0, dhtDc, dhtAc, sos, scan, eoi]) };
}

export function jpeg(options: ImageOptions = {}): Buffer {
  const { head, tail } = jpegCore();
  const base = head.length + tail.length;
  const size = options.size ?? base;
  let pad = size - base;
  if (pad < 0 || (pad > 0 && pad < 4)) throw new RangeError(`jpeg: cannot make exactly ${size} bytes (minimum ${base}, then ≥ ${base + 4})`);
  const segments: Buffer[] = [];
  const MAX = 65535 + 2; // marker + length field + 65533 bytes of comment
  while (pad > 0) {
    let n = Math.min(pad, MAX);
    if (pad - n > 0 && pad - n < 4) n -= 4;
    segments.push(Buffer.concat([Buffer.from([0xff, 0xfe]), u16(n - 2), padding(n - 4, options.fill)]));
    pad -= n;
  }
  return Buffer.concat([head, ...segments, tail]);
}

// ----------------------------------------------------------------------------------------------------------- PNG

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(...parts: Buffer[]): number {
  let c = 0xffffffff;
  for (const p of parts) for (let i = 0; i < p.length; i++) c = CRC_TABLE[(c ^ p[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const t = Buffer.from(type, 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(t, data));
  return Buffer.concat([len, t, data, crc]);
}

export function png(options: ImageOptions = {}): Buffer {
  const w = 8;
  const h = 8;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter method extras, no interlace
  const raw = Buffer.alloc(h * (1 + w * 3));
  for (let y = 0; y < h; y++) {
    raw[y * (1 + w * 3)] = 0; // filter: none
    for (let x = 0; x < w; x++) raw.set([x * 32, y * 32, 128], y * (1 + w * 3) + 1 + x * 3);
  }
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const parts = [sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw))];
  const iend = chunk('IEND', Buffer.alloc(0));
  const base = parts.reduce((n, b) => n + b.length, 0) + iend.length;
  const size = options.size ?? base;
  if (size !== base) {
    const pad = size - base - 12;
    if (pad < 0) throw new RangeError(`png: cannot make exactly ${size} bytes (minimum ${base}, then ≥ ${base + 12})`);
    // Ancillary, private, safe-to-copy: decoders skip it.
    parts.push(chunk('wxPd', padding(pad, options.fill)));
  }
  return Buffer.concat([...parts, iend]);
}

// ----------------------------------------------------------------------------------------------------------- GIF

/** The classic 1×1 GIF89a (43 bytes). */
const GIF_1X1 = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');

export function gif(options: ImageOptions = {}): Buffer {
  const base = GIF_1X1.length;
  const size = options.size ?? base;
  if (size === base) return Buffer.from(GIF_1X1);
  // Comment extension: 0x21 0xFE, sub-blocks (1 length byte + 1..255 bytes), 0x00 terminator.
  let rest = size - base - 3;
  if (rest < 2) throw new RangeError(`gif: cannot make exactly ${size} bytes (minimum ${base}, then ≥ ${base + 5})`);
  const blocks: Buffer[] = [Buffer.from([0x21, 0xfe])];
  while (rest > 0) {
    let n = Math.min(rest, 256);
    if (rest - n === 1) n -= 1;
    blocks.push(Buffer.from([n - 1]), padding(n - 1, options.fill));
    rest -= n;
  }
  blocks.push(Buffer.from([0x00]));
  // Before the trailer's image: after the header + logical screen + colour table (13 + 6 bytes).
  return Buffer.concat([GIF_1X1.subarray(0, 19), ...blocks, GIF_1X1.subarray(19)]);
}

/**
 * A small MP4 that file-type recognises (an `ftyp` box with the isom brand, then an `mdat` box of `bodyBytes`
 * bytes), for official-account video uploads.
 */
export function mp4(bodyBytes = 64): Buffer {
  const ftyp = Buffer.alloc(24);
  ftyp.writeUInt32BE(24, 0);
  ftyp.write('ftyp', 4);
  ftyp.write('isom', 8);
  ftyp.writeUInt32BE(512, 12);
  ftyp.write('isommp41', 16);
  const mdatHead = Buffer.alloc(8);
  mdatHead.writeUInt32BE(8 + bodyBytes, 0);
  mdatHead.write('mdat', 4);
  const body = Buffer.alloc(bodyBytes);
  for (let i = 0; i < bodyBytes; i++) body[i] = (i * 31 + 7) & 0xff;
  return Buffer.concat([ftyp, mdatHead, body]);
}

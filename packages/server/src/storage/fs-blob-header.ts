import { mediaIdCreatedAt, parseJsonObject } from '@wxmedia/protocol';
import type { BlobInfo, BlobWriteMeta } from './blob-store.ts';

/**
 * The header at the start of every blob file FsBlobStore writes: what BlobInfo holds beyond what the id (created_at)
 * and the file's size tell — the owner, the Content-Type, the uploader's filename — written in the same writes and
 * made durable by the same fsync as the bytes. One file per blob: no sidecar to write, fsync and rename beside it.
 *
 * Its size is fixed, so a get finds the bytes at a known offset and their size from a stat, never reading the header
 * (the Content-Type of a get comes from the id); only listings read it. One page, so the bytes start page-aligned.
 *
 *   [0..7]      magic `wxmblob1`
 *   [8..11]     n, the length of the JSON that follows (uint32, big-endian)
 *   [12..12+n)  JSON {"appid","contentType","filename"}, UTF-8
 *   then zeros up to BLOB_HEADER_BYTES
 */
export const BLOB_HEADER_BYTES = 4096;

const MAGIC = Buffer.from('wxmblob1', 'latin1');
const JSON_AT = MAGIC.length + 4;
const JSON_ROOM = BLOB_HEADER_BYTES - JSON_AT;

/**
 * The header for a blob. The filename is for listings only, and is cut (at a character boundary) to what fits:
 * room for about 4 KB of it, where real filenames are at most 255 bytes. Uploads may still send far longer ones:
 * multipart part headers allow 8 KB, and a cloud call's filename is bounded only by its 16 MiB request.
 */
export function encodeBlobHeader(meta: BlobWriteMeta): Buffer {
  // More UTF-16 units than the room cannot fit, whatever they are (each makes at least one byte of JSON): cut to
  // that first, so the fitting below costs what a header holds, not what the name holds (a cloud call's megabytes
  // of name took seconds of CPU). A surrogate pair split here leaves half of it last: the loop's first cut drops it.
  let filename = meta.filename.length > JSON_ROOM ? meta.filename.slice(0, JSON_ROOM) : meta.filename;
  let json = Buffer.from(JSON.stringify({ appid: meta.appid, contentType: meta.contentType, filename }));
  if (json.length > JSON_ROOM) {
    const chars = Array.from(filename);
    // JSON escapes make a character take up to 12 bytes (a \uXXXX pair): cut at least what is over, then recheck.
    while (json.length > JSON_ROOM && chars.length > 0) {
      chars.length = Math.max(0, chars.length - Math.max(1, Math.ceil((json.length - JSON_ROOM) / 12)));
      filename = chars.join('');
      json = Buffer.from(JSON.stringify({ appid: meta.appid, contentType: meta.contentType, filename }));
    }
    if (json.length > JSON_ROOM) throw new RangeError('blob header: appid and contentType alone do not fit');
  }
  const header = Buffer.alloc(BLOB_HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt32BE(json.length, MAGIC.length);
  json.copy(header, JSON_AT);
  return header;
}

/**
 * BlobInfo from a header read back (at least its first bytes) and the file's whole size; undefined if it is not a
 * header this store wrote (outside damage: the blob is treated as absent from listings).
 */
export function decodeBlobHeader(id: string, header: Buffer, fileSize: number): BlobInfo | undefined {
  const createdAt = mediaIdCreatedAt(id);
  if (createdAt === undefined || fileSize < BLOB_HEADER_BYTES || header.length < JSON_AT) return undefined;
  if (!header.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const n = header.readUInt32BE(MAGIC.length);
  if (n > JSON_ROOM || JSON_AT + n > header.length) return undefined;
  const v = parseJsonObject(header.toString('utf8', JSON_AT, JSON_AT + n));
  if (v === undefined) return undefined;
  const { appid, contentType, filename } = v;
  if (typeof appid !== 'string' || typeof contentType !== 'string' || typeof filename !== 'string') return undefined;
  return { id, appid, contentType, filename, createdAt, size: fileSize - BLOB_HEADER_BYTES };
}

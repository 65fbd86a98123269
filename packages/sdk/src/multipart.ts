import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { MediaSource } from './media-source.ts';
import type { MediaNaming } from './media-naming.ts';

export interface MultipartBody {
  readonly contentType: string;
  readonly contentLength: number;
  /** A fresh body stream per attempt. */
  open(onProgress?: (sentBytes: number, totalBytes: number) => void): Readable;
}

/**
 * One `media` file part, written by hand rather than through FormData: the part header must be exactly
 * `filename="name.ext"` (never `filename*=`), the length is known up front (so the request carries Content-Length
 * and the server can refuse an oversized file before reading it), and each replay re-opens the source.
 */
export function multipartBody(source: MediaSource, naming: MediaNaming, field = 'media'): MultipartBody {
  const boundary = `----wxmedia${randomBytes(12).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\n` +
      `Content-Disposition: form-data; name="${field}"; filename="${naming.filename}"\r\n` +
      `Content-Type: ${naming.contentType.replace(/[\r\n]/g, '')}\r\n\r\n`,
    'latin1',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
  const total = head.length + source.size + tail.length;
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: total,
    open(onProgress) {
      return Readable.from(parts(source, head, tail, total, onProgress), { objectMode: false });
    },
  };
}

async function* parts(
  source: MediaSource,
  head: Buffer,
  tail: Buffer,
  total: number,
  onProgress: ((sent: number, total: number) => void) | undefined,
): AsyncGenerator<Buffer> {
  let sent = head.length;
  yield head;
  for await (const chunk of source.open()) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    sent += buf.length;
    onProgress?.(sent, total);
    yield buf;
  }
  yield tail;
  onProgress?.(total, total);
}

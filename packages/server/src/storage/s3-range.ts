import { Transform, type Readable } from 'node:stream';
import type { ByteRange } from './blob-store.ts';

/**
 * The requested range of a GetObject reply, whatever the server sent. S3 answers a Range request with exactly that
 * range (206, `Content-Range: bytes a-b/total`), but S3-compatible servers are not all exact: some answer the whole
 * object (200, no Content-Range) and some a wider range (s3rver serves `bytes=0-0` whole). A reply that covers the
 * request is cut down to it here; one that does not is an error. Returns the stream to send and the object's size.
 */
export function exactRange(
  reply: { readonly body: Readable; readonly contentRange: string | undefined; readonly contentLength: number | undefined },
  range: ByteRange,
): { stream: Readable; size: number } {
  const { body, contentRange, contentLength } = reply;
  let first: number;
  let last: number;
  let size: number;
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(contentRange ?? '');
  if (match) {
    [first, last, size] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else if (contentRange === undefined && contentLength !== undefined) {
    [first, last, size] = [0, contentLength - 1, contentLength];
  } else {
    body.destroy();
    throw new Error(`S3 answered a range request with Content-Range "${contentRange}"`);
  }
  if (first > range.start || last < range.end) {
    body.destroy();
    throw new Error(`S3 answered bytes ${range.start}-${range.end} with ${first}-${last}`);
  }
  if (first === range.start && last === range.end) return { stream: body, size };
  return { stream: slice(body, range.start - first, range.end - range.start + 1), size };
}

/** The `length` bytes of `source` after its first `skip`; the source is destroyed once they have passed. */
function slice(source: Readable, skip: number, length: number): Readable {
  let toSkip = skip;
  let left = length;
  const cut = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      let part = chunk;
      if (toSkip > 0) {
        const dropped = Math.min(toSkip, part.length);
        toSkip -= dropped;
        part = part.subarray(dropped);
      }
      if (left > 0 && part.length > 0) {
        const kept = part.subarray(0, left);
        left -= kept.length;
        this.push(kept);
      }
      if (left === 0) {
        this.push(null);
        source.unpipe(cut);
        source.destroy();
      }
      done();
    },
  });
  source.on('error', (error) => cut.destroy(error));
  cut.on('close', () => source.destroy());
  return source.pipe(cut);
}

import { rm } from 'node:fs/promises';
import { BlobTooLargeError } from './blob-store.ts';
import { PRIVATE_FILE_MODE } from './file-modes.ts';
import { closeFd, fsyncFd, openFd, writeAllFd } from './fs-calls.ts';

/** Body bytes gathered before a write (see writeBodyFile). */
const WRITE_BATCH_BYTES = 256 * 1024;

/**
 * Streams `body` to a new file, at most `maxBytes` (BlobTooLargeError past it, without reading further), and with
 * `sync` fsyncs it before resolving. `head` (not counted against `maxBytes`) goes before the body, in the same
 * write as its first chunk. On any failure the file is removed. Returns the number of body bytes written.
 */
export async function writeBodyFile(
  path: string,
  body: AsyncIterable<Uint8Array>,
  options: { readonly maxBytes: number; readonly sync: boolean; readonly head?: Uint8Array },
): Promise<number> {
  const fd = await openFd(path, 'wx', PRIVATE_FILE_MODE);
  let size = 0;
  try {
    try {
      // Chunks are gathered up to WRITE_BATCH_BYTES and written with one writev: a 100 KB upload arrives in a few
      // socket chunks and is written in one call instead of one per chunk (each call is a round trip through
      // libuv's thread pool). Each batch is awaited before more is pulled: the producer is held back, and memory
      // stays within a batch per upload.
      let pending: Uint8Array[] = options.head ? [options.head] : [];
      let pendingBytes = 0;
      for await (const chunk of body) {
        size += chunk.byteLength;
        if (size > options.maxBytes) throw new BlobTooLargeError(options.maxBytes);
        pending.push(chunk);
        pendingBytes += chunk.byteLength;
        if (pendingBytes >= WRITE_BATCH_BYTES) {
          await writeAllFd(fd, pending);
          pending = [];
          pendingBytes = 0;
        }
      }
      if (pending.length > 0) await writeAllFd(fd, pending);
      if (options.sync) await fsyncFd(fd);
    } finally {
      await closeFd(fd);
    }
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
  return size;
}

import { rm } from 'node:fs/promises';
import { BlobTooLargeError } from './blob-store.ts';
import { PRIVATE_FILE_MODE } from './file-modes.ts';
import { closeFd, fsyncFd, openFd, writeAllFd } from './fs-calls.ts';

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
      let head = options.head;
      // Each chunk is awaited before the next is pulled: the body's producer is held back, memory stays flat.
      for await (const chunk of body) {
        size += chunk.byteLength;
        if (size > options.maxBytes) throw new BlobTooLargeError(options.maxBytes);
        await writeAllFd(fd, head ? [head, chunk] : [chunk]);
        head = undefined;
      }
      if (head) await writeAllFd(fd, [head]);
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

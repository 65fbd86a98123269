import { open, rm } from 'node:fs/promises';
import { BlobTooLargeError } from './blob-store.ts';
import { PRIVATE_FILE_MODE } from './file-modes.ts';

/**
 * Streams `body` to a new file, at most `maxBytes` (BlobTooLargeError past it, without reading further), and with
 * `sync` fsyncs it before resolving. On any failure the file is removed. Returns the number of bytes written.
 */
export async function writeBodyFile(
  path: string,
  body: AsyncIterable<Uint8Array>,
  options: { readonly maxBytes: number; readonly sync: boolean },
): Promise<number> {
  const handle = await open(path, 'wx', PRIVATE_FILE_MODE);
  let size = 0;
  try {
    try {
      // Each chunk is awaited before the next is pulled: the body's producer is held back, memory stays flat.
      for await (const chunk of body) {
        size += chunk.byteLength;
        if (size > options.maxBytes) throw new BlobTooLargeError(options.maxBytes);
        let written = 0;
        while (written < chunk.byteLength) {
          written += (await handle.write(chunk, written, chunk.byteLength - written)).bytesWritten;
        }
      }
      if (options.sync) await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
  return size;
}

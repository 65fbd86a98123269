/**
 * Reads a stream of bytes whole into one Buffer, unless it holds more than `max` bytes: then reading stops (a
 * Readable is destroyed by the loop's early exit) and the answer is undefined, for the caller to refuse in its own
 * terms. Strings (a Readable in text mode) count as their UTF-8 bytes.
 */
export async function readBounded(source: AsyncIterable<Uint8Array | string>, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    total += bytes.length;
    if (total > max) return undefined;
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, total);
}

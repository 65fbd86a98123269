import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { SNIFF_BYTES } from '@wxmedia/protocol';
import { MediaInputError } from './errors.ts';

/**
 * What an upload accepts: bytes (Buffer, Uint8Array, Blob/File), a one-shot stream (node Readable, web
 * ReadableStream, any async iterable of bytes), or a file named by a path or file: URL.
 */
export type MediaInput =
  | Uint8Array
  | Blob
  | Readable
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>
  | string
  | URL;

/**
 * An upload body that can be sent more than once: a token refresh replays it. Bytes are replayed from memory, a file
 * is re-opened, a Blob re-read; a one-shot stream is read into memory first (up to `maxStreamBytes`), because a
 * stream that has been half-sent cannot be sent again.
 */
export interface MediaSource {
  readonly size: number;
  /** The first bytes (up to SNIFF_BYTES), for magic-number sniffing. */
  readonly head: Uint8Array;
  /** A name the input itself carries (a file's basename, a File's name). */
  readonly name: string | undefined;
  /** A type the input itself carries (a Blob's `type`). */
  readonly type: string | undefined;
  /** A fresh stream of the whole content, once per attempt. */
  open(): Readable;
}

export async function toMediaSource(input: MediaInput, options: { api: string; maxStreamBytes: number }): Promise<MediaSource> {
  if (typeof input === 'string' || input instanceof URL) return fileSource(typeof input === 'string' ? input : fileURLToPath(input), options.api);
  if (input instanceof Uint8Array) return bytesSource(input, undefined, undefined);
  if (input instanceof Blob) return blobSource(input);
  if (isAsyncIterable(input) || input instanceof ReadableStream) {
    const iterable = input instanceof ReadableStream ? Readable.fromWeb(input as import('node:stream/web').ReadableStream<Uint8Array>) : input;
    const bytes = await readAll(iterable, options);
    return bytesSource(bytes, undefined, undefined);
  }
  throw new MediaInputError({ api: options.api, reason: 'unsupported-input', message: 'media must be a Buffer, Uint8Array, Blob, readable stream or file path' });
}

function bytesSource(bytes: Uint8Array, name: string | undefined, type: string | undefined): MediaSource {
  return { size: bytes.byteLength, head: bytes.subarray(0, SNIFF_BYTES), name, type, open: () => Readable.from([bytes], { objectMode: false }) };
}

async function fileSource(path: string, api: string): Promise<MediaSource> {
  const unreadable = (why: string, cause?: unknown) =>
    new MediaInputError({ api, reason: 'unreadable-file', message: `cannot read ${path}: ${why}`, cause });
  let info;
  let handle;
  try {
    info = await stat(path);
    if (info.isDirectory()) throw unreadable('it is a folder, not a file');
    handle = await open(path, 'r');
  } catch (e) {
    if (e instanceof MediaInputError) throw e;
    throw unreadable(FILE_PROBLEMS[(e as NodeJS.ErrnoException).code ?? ''] ?? (e as Error).message, e);
  }
  try {
    const head = Buffer.alloc(Math.min(SNIFF_BYTES, info.size));
    await handle.read(head, 0, head.length, 0);
    return { size: info.size, head, name: basename(path), type: undefined, open: () => createReadStream(path) };
  } finally {
    await handle.close();
  }
}

/** What a failed stat/open of an upload's file means to the person who named it. */
const FILE_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a part of the path is not a folder',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
};

async function blobSource(blob: Blob): Promise<MediaSource> {
  const head = new Uint8Array(await blob.slice(0, SNIFF_BYTES).arrayBuffer());
  const name = blob instanceof File && blob.name ? blob.name : undefined;
  return {
    size: blob.size,
    head,
    name,
    type: blob.type || undefined,
    open: () => Readable.fromWeb(blob.stream() as import('node:stream/web').ReadableStream<Uint8Array>),
  };
}

async function readAll(stream: AsyncIterable<Uint8Array>, options: { api: string; maxStreamBytes: number }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    total += buf.length;
    if (total > options.maxStreamBytes) {
      if (stream instanceof Readable) stream.destroy();
      throw new MediaInputError({
        api: options.api,
        reason: 'too-large',
        message: `the media stream is longer than ${options.maxStreamBytes} bytes (the limit for this type; raise maxUploadBytes if your server allows more)`,
      });
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, total);
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OPERATIONS } from './operations.ts';
import { redact } from '@wxmedia/protocol';
import { UnexpectedResponseError } from './errors.ts';
import { readCapped, readMediaReply, type MediaReply, type ReadContext } from './reply-reader.ts';
import type { RequestSender } from './request-sender.ts';

export interface DownloadCall {
  readonly mediaId: string;
  readonly signal?: AbortSignal | undefined;
}

/** Media in memory. */
export interface DownloadedMedia {
  readonly buffer: Buffer;
  readonly contentType: string;
  readonly filename: string | undefined;
}

/** Media as a stream: the error-or-media decision is made before it is handed out, so it only carries media. */
export interface StreamedMedia {
  readonly stream: Readable;
  readonly contentType: string;
  readonly contentLength: number | undefined;
  readonly filename: string | undefined;
}

export interface SavedMedia {
  readonly path: string;
  readonly bytes: number;
  readonly contentType: string;
  readonly filename: string | undefined;
}

// Larger than any temporary media (10 MB video): a reply beyond it is not media WeChat stores.
const MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024;

function get<T>(sender: RequestSender, call: DownloadCall, read: (m: MediaReply, ctx: ReadContext) => Promise<T>): Promise<T> {
  return sender.send({
    op: OPERATIONS.getTempMedia,
    query: { media_id: call.mediaId },
    signal: call.signal,
    read: async (res, ctx) => {
      const reply = await readMediaReply(res, ctx);
      if (!('videoUrl' in reply)) return read(reply, ctx);
      // An official account's video comes as its download address: follow it (without the token), so callers
      // receive the bytes either way.
      const url = reply.videoUrl;
      const followCtx: ReadContext = { ...ctx, method: 'GET', url, request: `GET ${redact(url)}` };
      const video = await readMediaReply(await sender.fetchUrl(url, ctx.api, call.signal), followCtx);
      if ('videoUrl' in video) throw new UnexpectedResponseError({ api: ctx.api, request: followCtx.request, status: 200, detail: 'video_url led to another video_url' });
      return read(video, followCtx);
    },
  });
}

export async function downloadToBuffer(sender: RequestSender, call: DownloadCall): Promise<DownloadedMedia> {
  return get(sender, call, async (m, ctx) => ({
    // Read inside the attempt: a connection lost mid-body is retried like any other failure of an idempotent call.
    buffer: await readCapped(m.body, MAX_DOWNLOAD_BYTES, ctx),
    contentType: m.contentType ?? 'application/octet-stream',
    filename: m.filename,
  }));
}

export async function downloadToStream(sender: RequestSender, call: DownloadCall): Promise<StreamedMedia> {
  return get(sender, call, async (m) => ({
    stream: m.body,
    contentType: m.contentType ?? 'application/octet-stream',
    contentLength: m.contentLength,
    filename: m.filename,
  }));
}

/** Writes to a temporary file beside `path` and renames it: `path` is never left holding half a file or an error. */
export async function downloadToFile(sender: RequestSender, call: DownloadCall & { readonly path: string }): Promise<SavedMedia> {
  return get(sender, call, async (m) => {
    const temp = `${call.path}.${randomBytes(6).toString('hex')}.part`;
    let bytes = 0;
    m.body.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    try {
      await pipeline(m.body, createWriteStream(temp));
      await rename(temp, call.path);
    } catch (e) {
      // A body failure is already a NetworkError/TimeoutError (and retried); a disk failure stays what it is.
      await rm(temp, { force: true });
      throw e;
    }
    return { path: call.path, bytes, contentType: m.contentType ?? 'application/octet-stream', filename: m.filename };
  });
}

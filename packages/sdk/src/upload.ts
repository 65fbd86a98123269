import { MEDIA_TYPE_RULES, type MediaType } from '@wxmedia/protocol';
import { UnexpectedResponseError } from './errors.ts';
import { OPERATIONS } from './operations.ts';
import { nameMedia } from './media-naming.ts';
import { toMediaSource, type MediaInput } from './media-source.ts';
import { multipartBody } from './multipart.ts';
import { readJsonReply } from './reply-reader.ts';
import type { RequestSender } from './request-sender.ts';

export interface UploadCall {
  readonly type: MediaType;
  readonly media: MediaInput;
  readonly filename?: string | undefined;
  readonly contentType?: string | undefined;
  /** Bytes a one-shot stream is buffered to; defaults to the type's size limit. */
  readonly maxStreamBytes?: number | undefined;
  readonly onProgress?: ((sentBytes: number, totalBytes: number) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** A successful upload reply with `created_at` as a number, whichever form the server sent. */
export interface UploadResult extends Record<string, unknown> {
  readonly type: MediaType;
  readonly created_at: number;
}

/** POST /cgi-bin/media/upload: shared by both faces. Returns the reply object (errcode 0) as sent. */
export async function uploadMedia(sender: RequestSender, call: UploadCall): Promise<UploadResult> {
  const op = OPERATIONS.uploadTempMedia;
  const source = await toMediaSource(call.media, { api: op.name, maxStreamBytes: call.maxStreamBytes ?? MEDIA_TYPE_RULES[call.type]?.maxBytes ?? Infinity });
  const naming = await nameMedia(source, { filename: call.filename, contentType: call.contentType });
  const body = multipartBody(source, naming);
  const reply = await sender.send({
    op,
    query: { type: call.type },
    body: () => ({ contentType: body.contentType, contentLength: body.contentLength, data: body.open(call.onProgress) }),
    signal: call.signal,
    closeConnection: true,
    read: readJsonReply,
  });
  const createdAt = Number(reply['created_at']);
  if (!Number.isFinite(createdAt)) {
    throw new UnexpectedResponseError({ api: op.name, request: `POST ${op.path}`, status: 200, detail: 'upload reply without a created_at' });
  }
  return { ...reply, type: reply['type'] as MediaType, created_at: createdAt };
}

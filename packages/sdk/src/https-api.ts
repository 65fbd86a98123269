import type { AccessTokenReply, ErrorEnvelope, MediaType, QuotaGetReply, UploadReply } from '@wxmedia/protocol';
import { downloadToBuffer, downloadToFile, downloadToStream } from './download.ts';
import type { MediaInput } from './media-source.ts';
import { OPERATIONS } from './operations.ts';
import { readJsonReply } from './reply-reader.ts';
import type { RequestSender } from './request-sender.ts';
import { uploadMedia } from './upload.ts';
import type { Readable } from 'node:stream';

/** Options every call takes. */
export interface CallOptions {
  /** Aborts the call (and its retries). */
  readonly signal?: AbortSignal;
}

export interface UploadCallOptions extends CallOptions {
  /** Called as the body is sent (bytes sent, total bytes including multipart framing); again on a replay. */
  readonly onProgress?: (sentBytes: number, totalBytes: number) => void;
}

export interface UploadTempMediaRequest {
  readonly type: MediaType;
  readonly media: MediaInput;
  /** Defaults to the input's own name (file path, File) or `media`, with the extension the bytes call for. */
  readonly filename?: string;
  /** Defaults to what the bytes are (magic numbers), then the input's own type. */
  readonly content_type?: string;
}

/** Seed 000's reply, `created_at` always a number (older WeChat pages show a string; both are accepted). */
export type UploadTempMediaReply = Omit<UploadReply, 'created_at'> & { created_at: number };

export interface GetTempMediaRequest {
  readonly media_id: string;
}

export interface TempMedia {
  readonly buffer: Buffer;
  readonly content_type: string;
  /** From `Content-disposition`, e.g. `<media_id>.jpg`. */
  readonly filename: string | undefined;
}

export interface TempMediaStream {
  readonly stream: Readable;
  readonly content_type: string;
  readonly content_length: number | undefined;
  readonly filename: string | undefined;
}

export interface SavedTempMedia {
  readonly path: string;
  readonly bytes: number;
  readonly content_type: string;
  readonly filename: string | undefined;
}

export interface HttpsApiDeps {
  readonly sender: RequestSender;
  readonly credentials: () => { readonly appid: string; readonly secret: string };
  readonly maxUploadBytes: number | undefined;
}

/**
 * The HTTPS face: one method per endpoint, inputs and replies in WeChat's own snake_case wire shapes (docs/wechat-api.md),
 * errors thrown as WeChatError.
 */
export class HttpsApi {
  readonly #d: HttpsApiDeps;

  constructor(deps: HttpsApiDeps) {
    this.#d = deps;
  }

  /** GET /cgi-bin/token. Replaces the app's current token (the old one lives 5 more minutes). */
  getAccessToken(options: CallOptions = {}): Promise<AccessTokenReply> {
    const { appid, secret } = this.#d.credentials();
    return this.#d.sender.send({
      op: OPERATIONS.getAccessToken,
      query: { grant_type: 'client_credential', appid, secret },
      signal: options.signal,
      read: async (res, ctx) => tokenReply(await readJsonReply(res, ctx)),
    });
  }

  /** POST /cgi-bin/stable_token. `force_refresh: true` revokes the current token at once (20 a day, 30 s apart). */
  getStableAccessToken(request: { readonly force_refresh?: boolean } = {}, options: CallOptions = {}): Promise<AccessTokenReply> {
    const { appid, secret } = this.#d.credentials();
    const json = JSON.stringify({ grant_type: 'client_credential', appid, secret, force_refresh: request.force_refresh ?? false });
    return this.#d.sender.send({
      op: OPERATIONS.getStableAccessToken,
      // A forced refresh is not idempotent: a second one would revoke the token the first one minted.
      idempotent: request.force_refresh !== true,
      body: () => ({ contentType: 'application/json', data: json }),
      signal: options.signal,
      read: async (res, ctx) => tokenReply(await readJsonReply(res, ctx)),
    });
  }

  /** POST /cgi-bin/media/upload (WeChat's uploadTempMedia page). */
  async uploadTempMedia(request: UploadTempMediaRequest, options: UploadCallOptions = {}): Promise<UploadTempMediaReply> {
    const reply = await uploadMedia(this.#d.sender, {
      type: request.type,
      media: request.media,
      filename: request.filename,
      contentType: request.content_type,
      maxStreamBytes: this.#d.maxUploadBytes,
      onProgress: options.onProgress,
      signal: options.signal,
    });
    return reply as unknown as UploadTempMediaReply;
  }

  /** GET /cgi-bin/media/get (WeChat's getTempMedia page), into memory. */
  async getTempMedia(request: GetTempMediaRequest, options: CallOptions = {}): Promise<TempMedia> {
    const m = await downloadToBuffer(this.#d.sender, { mediaId: request.media_id, signal: options.signal });
    return { buffer: m.buffer, content_type: m.contentType, filename: m.filename };
  }

  /** GET /cgi-bin/media/get as a stream. Errors are thrown here, before any stream exists. */
  async getTempMediaStream(request: GetTempMediaRequest, options: CallOptions = {}): Promise<TempMediaStream> {
    const m = await downloadToStream(this.#d.sender, { mediaId: request.media_id, signal: options.signal });
    return { stream: m.stream, content_type: m.contentType, content_length: m.contentLength, filename: m.filename };
  }

  /** GET /cgi-bin/media/get into a file, written atomically (never a partial file, never error JSON). */
  async saveTempMedia(request: GetTempMediaRequest & { readonly path: string }, options: CallOptions = {}): Promise<SavedTempMedia> {
    const m = await downloadToFile(this.#d.sender, { mediaId: request.media_id, path: request.path, signal: options.signal });
    return { path: m.path, bytes: m.bytes, content_type: m.contentType, filename: m.filename };
  }

  /** POST /cgi-bin/openapi/quota/get. */
  getApiQuota(request: { readonly cgi_path: string }, options: CallOptions = {}): Promise<QuotaGetReply> {
    return this.#jsonCall<QuotaGetReply>(OPERATIONS.getApiQuota, request, options);
  }

  /** POST /cgi-bin/clear_quota (10 a month). `appid` defaults to the client's. */
  clearQuota(request: { readonly appid?: string } = {}, options: CallOptions = {}): Promise<ErrorEnvelope> {
    const appid = request.appid ?? this.#d.credentials().appid;
    return this.#jsonCall<ErrorEnvelope>(OPERATIONS.clearQuota, { appid }, options);
  }

  /** A JSON-in, JSON-out call; the reply is returned as sent (errcode 0 checked by readJsonReply). */
  #jsonCall<T>(op: (typeof OPERATIONS)[keyof typeof OPERATIONS], request: object, options: CallOptions): Promise<T> {
    const json = JSON.stringify(request);
    return this.#d.sender.send({
      op,
      body: () => ({ contentType: 'application/json', data: json }),
      signal: options.signal,
      read: async (res, ctx) => (await readJsonReply(res, ctx)) as unknown as T,
    });
  }
}

function tokenReply(reply: Record<string, unknown>): AccessTokenReply {
  return { access_token: String(reply['access_token']), expires_in: Number(reply['expires_in']) };
}

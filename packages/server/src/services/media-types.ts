import type { Readable } from 'node:stream';
import type { MediaType } from '@wxmedia/protocol';
import type { ByteRange } from '../storage/blob-store.ts';

/**
 * The media service as the HTTPS routes and the cloud-call gateway both see it: one implementation, so a media_id
 * uploaded one way can be fetched the other way. Failures are thrown as WxError (errors.ts).
 */
export interface UploadInput {
  readonly appid: string;
  /** The raw `type` parameter (validated here: 40004). */
  readonly type: string | undefined;
  /** The part's plain filename (validated here: 40005). */
  readonly filename: string;
  /** The file's bytes, streamed. */
  readonly body: AsyncIterable<Uint8Array>;
  /**
   * Called after the bytes are staged but before they are committed: the HTTPS route uses it to finish reading
   * the multipart body (a second `media` part or a truncated body aborts the upload and leaves nothing).
   */
  readonly beforeCommit?: () => Promise<void>;
}

export interface UploadResult {
  readonly type: MediaType;
  readonly mediaId: string;
  /** Unix seconds. */
  readonly createdAt: number;
  /** Bytes stored. */
  readonly size: number;
}

export interface OpenMediaResult {
  readonly mediaId: string;
  readonly contentType: string;
  /** Extension for Content-disposition: `<media_id>.<ext>`. */
  readonly ext: string;
  /** Whole size of the file. */
  readonly size: number;
  /** Present unless `headOnly`. */
  readonly stream?: Readable;
  /** The range served, when one was asked for and is satisfiable. */
  readonly range?: ByteRange;
}

export interface MediaService {
  upload(input: UploadInput): Promise<UploadResult>;
  /** Checks the id (40007 without storage for forged/foreign/expired ids), then stats or opens the file. */
  open(appid: string, mediaId: string | undefined, options?: { headOnly?: boolean; range?: ByteRange }): Promise<OpenMediaResult>;
}

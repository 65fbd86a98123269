import type { MediaType } from '@wxmedia/protocol';
import type { BlobContent, ByteRange } from '../storage/blob-store.ts';

/**
 * The media service as the HTTPS routes and the cloud-call gateway both see it (DefaultMediaService in media.ts is
 * the one implementation), so a media_id uploaded one way can be fetched the other way. Failures are thrown as
 * WxError (errors.ts).
 */
export interface MediaService {
  /** 40004 unless `type` is a media type this app may upload. The HTTPS route checks it before reading the body. */
  checkType(appid: string, type: string | undefined): Promise<MediaType>;
  /** Checks type, name and bytes, streams the file into the blob store and commits it. */
  upload(input: UploadInput): Promise<UploadResult>;
  /** Checks the id (40007 without storage for forged/foreign/expired ids), then stats or opens the file. */
  open(appid: string, mediaId: string | undefined, options?: { headOnly?: boolean; range?: ByteRange }): Promise<OpenMediaResult>;
  /** The signature of a media's download address (an official account's video_url: http/video-url.ts). */
  signDownload(mediaId: string): string;
  /** Opens media by a signed download address: undefined when the signature is wrong, the id expired or gone. */
  openDownload(mediaId: string, sign: string | undefined, options?: { headOnly?: boolean; range?: ByteRange }): Promise<OpenMediaResult | undefined>;
}

/** The part of the media service a cloud call uses (cloud/dispatch.ts): upload and open, as HTTPS does. */
export type CloudMediaService = Pick<MediaService, 'upload' | 'open'>;

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
  /** Present unless `headOnly`: the bytes as a stream (to consume or destroy), or in memory (a small blob). */
  readonly content?: BlobContent;
  /** The range served, when one was asked for and is satisfiable. */
  readonly range?: ByteRange;
}

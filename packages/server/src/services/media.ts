import { fileTypeFromBuffer } from 'file-type';
import {
  MEDIA_TTL_SECONDS,
  MEDIA_TYPE_RULES,
  SNIFF_BYTES,
  formatBySniffedMime,
  formatForFilename,
  isMediaType,
  mac,
  mintMediaId,
  readMediaId,
  sameBytes,
  type MediaFormat,
  type MediaType,
} from '@wxmedia/protocol';
import { nowSeconds, type Clock } from '../clock.ts';
import { WxError } from '../errors.ts';
import { BlobTooLargeError, type BlobStore, type ByteRange, type StagedBlob } from '../storage/blob-store.ts';
import type { App, AppRegistry } from './apps.ts';
import type { MediaService, OpenMediaResult, UploadInput, UploadResult } from './media-service.ts';
import { verifiedMediaIds } from './verified-signatures.ts';

export interface MediaServiceDeps {
  readonly blobs: BlobStore;
  readonly apps: AppRegistry;
  readonly clock: Clock;
  readonly key: Uint8Array;
  readonly maxBytes: Readonly<Record<MediaType, number>>;
}

/**
 * Upload: type → extension → magic bytes → stream to staging with a running size limit → durable → commit.
 * Get: the id is checked (HMAC, owner, expiry) before storage is touched; Content-Type comes from the id.
 */
export class DefaultMediaService implements MediaService {
  constructor(private readonly deps: MediaServiceDeps) {}

  async checkType(appid: string, type: string | undefined): Promise<MediaType> {
    const app = await this.app(appid);
    if (!isMediaType(type)) throw new WxError('INVALID_MEDIA_TYPE', `type ${JSON.stringify(type)}`);
    if (app.kind === 'miniprogram' && !MEDIA_TYPE_RULES[type].miniProgram) throw new WxError('INVALID_MEDIA_TYPE', `${type} not for mini programs`);
    return type;
  }

  async upload(input: UploadInput): Promise<UploadResult> {
    const type = await this.checkType(input.appid, input.type);
    const named = formatForFilename(type, input.filename);
    if (!named) throw new WxError('INVALID_FILE_TYPE', 'filename extension');
    const iterator = input.body[Symbol.asyncIterator]();
    const head = await readHead(iterator, SNIFF_BYTES);
    if (head.bytes.length === 0) throw new WxError('EMPTY_MEDIA_DATA');
    const sniffed = await sniff(head.bytes);
    if (sniffed !== named) throw new WxError('INVALID_FILE_TYPE', `bytes are ${sniffed?.ext ?? 'unknown'}, name says ${named.ext}`);

    const createdAt = nowSeconds(this.deps.clock);
    const mediaId = mintMediaId(this.deps.key, input.appid, createdAt, named);
    let staged: StagedBlob;
    try {
      staged = await this.deps.blobs.stage(
        mediaId,
        { appid: input.appid, createdAt, contentType: named.mime, filename: input.filename },
        prepend(head.chunks, head.done ? undefined : iterator),
        { maxBytes: this.deps.maxBytes[type] },
      );
    } catch (e) {
      if (e instanceof BlobTooLargeError) throw new WxError('INVALID_MEDIA_SIZE', `over ${e.maxBytes} bytes`);
      throw e;
    }
    try {
      await input.beforeCommit?.();
      await staged.commit();
    } catch (e) {
      await staged.abort();
      throw e;
    }
    return { type, mediaId, createdAt, size: staged.size };
  }

  async open(appid: string, mediaId: string | undefined, options: { headOnly?: boolean; range?: ByteRange } = {}): Promise<OpenMediaResult> {
    if (!mediaId) throw new WxError('INVALID_MEDIA_ID', 'missing');
    // checkMediaId, its HMAC skipped for an id already verified (verified-signatures.ts); expiry judged each time.
    const check = verifiedMediaIds(this.deps.key).check(mediaId, appid, nowSeconds(this.deps.clock), MEDIA_TTL_SECONDS);
    if (!check.ok) throw new WxError('INVALID_MEDIA_ID', check.reason);
    const { format } = check.facts;
    const base = { mediaId, contentType: format.mime, ext: format.ext };
    if (options.headOnly) {
      const size = await this.deps.blobs.size(mediaId);
      if (size === undefined) throw new WxError('INVALID_MEDIA_ID', 'not stored');
      return { ...base, size };
    }
    const opened = await this.deps.blobs.open(mediaId, options.range);
    if (!opened) throw new WxError('INVALID_MEDIA_ID', 'not stored');
    return { ...base, size: opened.size, content: opened, ...(options.range ? { range: options.range } : {}) };
  }

  /**
   * The signature of a download address for this media (an official account's video answers `{video_url}`):
   * an HMAC of the id under the signing key, so the address needs no state and dies with the media.
   */
  signDownload(mediaId: string): string {
    return mac(this.deps.key, Buffer.from(`download:${mediaId}`), 16).toString('base64url');
  }

  async openDownload(mediaId: string, sign: string | undefined, options: { headOnly?: boolean; range?: ByteRange } = {}): Promise<OpenMediaResult | undefined> {
    if (!sign || !sameBytes(Buffer.from(sign), Buffer.from(this.signDownload(mediaId)))) return undefined;
    const read = readMediaId(this.deps.key, mediaId);
    if (!read.ok || nowSeconds(this.deps.clock) >= read.facts.createdAt + MEDIA_TTL_SECONDS) return undefined;
    const base = { mediaId, contentType: read.facts.format.mime, ext: read.facts.format.ext };
    if (options.headOnly) {
      const size = await this.deps.blobs.size(mediaId);
      return size === undefined ? undefined : { ...base, size };
    }
    const opened = await this.deps.blobs.open(mediaId, options.range);
    return opened ? { ...base, size: opened.size, content: opened, ...(options.range ? { range: options.range } : {}) } : undefined;
  }

  private async app(appid: string): Promise<App> {
    const app = await this.deps.apps.get(appid);
    // Callers authenticate first; an app removed meanwhile reads as a stale credential.
    if (!app) throw new WxError('INVALID_CREDENTIAL', 'app removed');
    return app;
  }
}

/**
 * Reads from the iterator until `n` bytes or its end, keeping the chunks read as they are (they go to storage
 * uncopied); `bytes` is their first `n` bytes, joined only when they span chunks (the sniff needs them contiguous).
 */
async function readHead(it: AsyncIterator<Uint8Array>, n: number): Promise<{ bytes: Buffer; chunks: Buffer[]; done: boolean }> {
  const chunks: Buffer[] = [];
  let total = 0;
  let done = false;
  while (total < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const b = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    chunks.push(b);
    total += b.length;
  }
  const first = chunks[0];
  const bytes = first && first.length >= Math.min(n, total) ? first : Buffer.concat(chunks, Math.min(n, total));
  return { bytes, chunks, done };
}

async function* prepend(head: readonly Buffer[], rest: AsyncIterator<Uint8Array> | undefined): AsyncGenerator<Uint8Array> {
  yield* head;
  if (!rest) return;
  for (;;) {
    const r = await rest.next();
    if (r.done) return;
    yield r.value;
  }
}

async function sniff(head: Buffer): Promise<MediaFormat | undefined> {
  const found = await fileTypeFromBuffer(head);
  return found ? formatBySniffedMime(found.mime) : undefined;
}

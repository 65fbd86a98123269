import { CLOUD_APIS, ERRCODES, MEDIA_FORMATS, PATHS, readBounded, uploadReplyFields, type QuotaPath } from '@wxmedia/protocol';
import { WxError, isWxError } from '../errors.ts';
import type { CloudMediaService } from '../services/media-service.ts';
import type { CommOpenApiResp, KeyValuePair } from './protobuf.ts';
import { binaryResp, jsonResp, wechatErrorResp } from './result.ts';

/**
 * apiName → the media service, the same one the HTTPS routes use, so a media_id made one way is read the other.
 * Parameters arrive as the SDK sent them: snake_case keys (it converts `mediaId` → `media_id`), JSON-encoded
 * values, and a media parameter as raw bytes with a filename (see protobuf.ts).
 */
export interface CloudCall {
  readonly appid: string;
  readonly pairs: readonly KeyValuePair[];
  readonly rid: string;
}

/** The part of QuotaService a cloud call needs (services/quotas.ts). */
export interface QuotaCharger {
  charge(appid: string, path: QuotaPath): Promise<void>;
}

export interface DispatchDeps {
  readonly media: CloudMediaService;
  readonly quotas?: QuotaCharger;
  /** Unexpected (non-WeChat) failures, for the log; the caller gets errcode -1 with the rid. */
  readonly onInternalError: (error: unknown) => void;
  /** Told what a call did, for the calls record and metrics: the media it stored or read, or why it failed. */
  readonly observe?: {
    media(facts: { readonly mediaId: string; readonly bytes: number }): void;
    failure(reason: string): void;
  };
}

type Handler = (call: CloudCall, deps: DispatchDeps) => Promise<CommOpenApiResp>;

const HANDLERS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  [CLOUD_APIS.uploadTempMedia, uploadTempMedia],
  [CLOUD_APIS.getTempMedia, getTempMedia],
]);

/** Whether wxmedia implements a cloud-call API (otherwise the gateway answers -604100 "API not found"). */
export function isImplementedApi(api: string): boolean {
  return HANDLERS.has(api);
}

/** Runs an implemented API; WeChat errors become `{errcode, errmsg: "… rid: …"}` replies, as on HTTPS. */
export async function dispatchCloudCall(api: string, call: CloudCall, deps: DispatchDeps): Promise<CommOpenApiResp> {
  const handler = HANDLERS.get(api);
  if (!handler) throw new TypeError(`no handler for ${api}`);
  try {
    return await handler(call, deps);
  } catch (e) {
    if (isWxError(e)) {
      deps.observe?.failure(e.detail ? `${e.errmsg}: ${e.detail}` : e.errmsg);
      return wechatErrorResp(e, call.rid);
    }
    deps.observe?.failure('internal error (see the server log for this rid)');
    deps.onInternalError(e);
    return wechatErrorResp(ERRCODES.SYSTEM_ERROR, call.rid);
  }
}

/** WeChat's uploadTempMedia page, "Cloud Call": `{type, media: {contentType, value}}` → `{type, media_id, created_at}` (no `item`). */
async function uploadTempMedia(call: CloudCall, deps: DispatchDeps): Promise<CommOpenApiResp> {
  await deps.quotas?.charge(call.appid, PATHS.upload);
  const type = jsonParam(call.pairs, 'type');
  const media = call.pairs.find((p) => p.key === 'media' && p.filename !== '');
  // Without a Buffer `value` the SDK sends `media` as JSON, not as a file: WeChat's "no media part".
  if (!media) throw new WxError('MEDIA_DATA_MISSING', 'no media file pair');
  const result = await deps.media.upload({
    appid: call.appid,
    type: typeof type === 'string' ? type : undefined,
    filename: mediaFilename(media),
    body: once(media.value),
  });
  deps.observe?.media({ mediaId: result.mediaId, bytes: result.size });
  return jsonResp(uploadReplyFields(result));
}

/** WeChat's getTempMedia page, "Cloud Call": `{mediaId}` → the bytes and their MIME type. */
async function getTempMedia(call: CloudCall, deps: DispatchDeps): Promise<CommOpenApiResp> {
  await deps.quotas?.charge(call.appid, PATHS.get);
  const mediaId = jsonParam(call.pairs, 'media_id');
  const opened = await deps.media.open(call.appid, typeof mediaId === 'string' && mediaId !== '' ? mediaId : undefined);
  if (!opened.content) throw new WxError('INVALID_MEDIA_ID', 'not stored');
  // A protobuf field is one buffer: the file is read whole, bounded by the size the store reported.
  const bytes = opened.content.bytes ?? (await readBounded(opened.content.stream, opened.size));
  if (!bytes) throw new Error(`media file grew past its stored size ${opened.size}`);
  deps.observe?.media({ mediaId: opened.mediaId, bytes: bytes.length });
  return binaryResp(opened.contentType, bytes);
}

/** A plain parameter's value: the SDK JSON-encodes each one (`"image"` with the quotes). */
function jsonParam(pairs: readonly KeyValuePair[], key: string): unknown {
  const pair = pairs.find((p) => p.key === key);
  if (!pair) return undefined;
  const text = pair.value.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The filename the media service judges the upload by. The SDK names the file `<key>.<ext>` with the extension
 * mime-db gives for the function's `contentType` (`media.png`, `media.jpeg`), or the function's own `fileName`.
 * When that name has no extension we know and the pair carries a MIME type (other clients may send it), the
 * type's extension is appended; otherwise the name is passed as is and the media service decides (40005).
 */
export function mediaFilename(pair: Pick<KeyValuePair, 'filename' | 'contenttype'>): string {
  const name = pair.filename;
  const dot = name.lastIndexOf('.');
  const ext = dot >= 0 ? name.slice(dot + 1).toLowerCase() : '';
  if (MEDIA_FORMATS.some((f) => (f.extensions as readonly string[]).includes(ext))) return name;
  const mime = pair.contenttype.split(';')[0]?.trim().toLowerCase() ?? '';
  const format = MEDIA_FORMATS.find((f) => f.mime === mime);
  return format ? `${name}.${format.ext}` : name;
}

async function* once(bytes: Buffer): AsyncGenerator<Uint8Array> {
  if (bytes.length > 0) yield bytes;
}

import {
  CLOUD_APIS,
  cloudOkMessage,
  type CloudGetTempMediaResult,
  type CloudUploadTempMediaResult,
  type MediaType,
} from '@wxmedia/protocol';
import { cloudMediaFilename } from './cloud-media-naming.ts';
import { MediaInputError, WxMediaError } from './errors.ts';
import { downloadToBuffer } from './download.ts';
import type { RequestSender } from './request-sender.ts';
import { uploadMedia } from './upload.ts';

/** wx-server-sdk's `uploadTempMedia` input (WeChat's uploadTempMedia page, cloud call). */
export interface CloudUploadTempMediaRequest {
  readonly type: MediaType;
  readonly media: {
    readonly value: Buffer | Uint8Array;
    /** The MIME type; the file is named after it (`image/png` → `media.png`), as wx-server-sdk does. */
    readonly contentType: string;
    /** Accepted, and ignored as wx-server-sdk 4.x ignores it (see cloud-media-naming.ts): the name comes from contentType. */
    readonly fileName?: string;
  };
}

export interface CloudGetTempMediaRequest {
  readonly mediaId: string;
}

export interface CustomerServiceMessageApi {
  uploadTempMedia(request: CloudUploadTempMediaRequest): Promise<CloudUploadTempMediaResult>;
  getTempMedia(request: CloudGetTempMediaRequest): Promise<CloudGetTempMediaResult>;
}

export interface CloudOpenApi {
  readonly customerServiceMessage: CustomerServiceMessageApi;
}

/**
 * The cloud-call face: `cloud.openapi.customerServiceMessage.*` of wx-server-sdk, over HTTPS. Results and thrown
 * errors are built the way wx-server-sdk builds them (snake_case keys camelCased, errcode/errmsg replaced by
 * `errCode: 0` and `errMsg: "openapi.<api>:ok"`; failures thrown with `errMsg: "openapi.<api>:fail <errmsg>"`), so
 * a cloud function's code runs unchanged on any Node server.
 */
export function createCloudOpenApi(deps: { readonly sender: RequestSender; readonly maxUploadBytes: number | undefined }): CloudOpenApi {
  const uploadTempMedia = async (request: CloudUploadTempMediaRequest): Promise<CloudUploadTempMediaResult> => {
    const api = CLOUD_APIS.uploadTempMedia;
    return asCloudCall(api, async () => {
      const value = request?.media?.value;
      if (!(value instanceof Uint8Array)) {
        throw new MediaInputError({ api, reason: 'unsupported-input', message: 'media.value must be a Buffer' });
      }
      const contentType = String(request.media.contentType);
      const reply = await uploadMedia(deps.sender, {
        type: request.type,
        media: value,
        // Named as wx-server-sdk names it (from contentType, not from the bytes), so code behaves the same here and
        // in a cloud function.
        filename: cloudMediaFilename(contentType),
        contentType,
        maxStreamBytes: deps.maxUploadBytes,
      });
      // Seed 000's cloud-call reply has no `item` (the HTTPS reply's `item: []`); the gateway agrees, so drop it.
      const { errcode: _c, errmsg: _m, item: _i, ...rest } = reply;
      return { ...(camelCase(rest) as object), createdAt: reply.created_at, errMsg: cloudOkMessage(api), errCode: 0 } as CloudUploadTempMediaResult;
    });
  };

  const getTempMedia = async (request: CloudGetTempMediaRequest): Promise<CloudGetTempMediaResult> => {
    const api = CLOUD_APIS.getTempMedia;
    return asCloudCall(api, async () => {
      const m = await downloadToBuffer(deps.sender, { mediaId: request?.mediaId });
      return { contentType: m.contentType, buffer: m.buffer, errMsg: cloudOkMessage(api), errCode: 0 };
    });
  };

  return { customerServiceMessage: { uploadTempMedia, getTempMedia } };
}

async function asCloudCall<T>(api: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof WxMediaError) throw e.asCloudFailure(api);
    throw e;
  }
}

/** wx-server-sdk's convertCase(snakecase → camelcase, recursive) for JSON values. */
function camelCase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelCase);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.replace(/_[a-z]/g, (m) => (m[1] ?? '').toUpperCase()), camelCase(v)]),
  );
}

import type { Readable } from 'node:stream';
import { Readable as NodeReadable } from 'node:stream';
import { redactValues } from '@wxmedia/protocol';
import { UnexpectedResponseError, WeChatError } from './errors.ts';
import type { TransportResponse } from './transport.ts';
import { toTransportError } from './undici-transport.ts';

export interface ReadContext {
  readonly api: string;
  /** Redacted `METHOD url` for messages. */
  readonly request: string;
  readonly method: string;
  readonly url: string;
  /** Literal values (this request's token, the app secret) to scrub from anything the server says back. */
  readonly secrets?: readonly string[];
}

/** JSON replies are small; anything longer is not WeChat talking. */
const MAX_JSON_BYTES = 1024 * 1024;

/**
 * Reads a JSON reply. WeChat signals failure in the body (`errcode` ≠ 0, HTTP 200), never by status, so the status
 * matters only when the body is not JSON at all (a proxy's error page).
 */
export async function readJsonReply(res: TransportResponse, ctx: ReadContext): Promise<Record<string, unknown>> {
  const text = (await readCapped(res.body, MAX_JSON_BYTES, ctx)).toString('utf8');
  const parsed = parseObject(text);
  if (!parsed) {
    throw new UnexpectedResponseError({ api: ctx.api, request: ctx.request, status: res.status, detail: `not a JSON reply: ${snippet(text, ctx.secrets)}` });
  }
  throwIfWeChatError(parsed, ctx.api, ctx.secrets);
  return parsed;
}

/**
 * An official account's video, answered as its download address (`{"video_url": …}`), as WeChat documents for
 * 获取临时素材: https://developers.weixin.qq.com/doc/service/api/material/temporary/api_getmedia
 */
export interface VideoUrlReply {
  readonly videoUrl: string;
}

export interface MediaReply {
  readonly contentType: string | undefined;
  readonly contentLength: number | undefined;
  readonly filename: string | undefined;
  /** The whole body, the bytes already read for the decision first. */
  readonly body: Readable;
}

/**
 * Tells an error envelope from media by the body, whatever the headers say: WeChat has sent error JSON as
 * `text/plain` for years, and long-lived SDKs that trusted Content-Type handed that JSON to users as an image.
 * No image format starts with `{`; an error envelope always does.
 */
export async function readMediaReply(res: TransportResponse, ctx: ReadContext): Promise<MediaReply | VideoUrlReply> {
  const iterator = res.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first: Buffer[] = [];
  let firstByte: number | undefined;
  let done = false;
  try {
    while (firstByte === undefined) {
      const next = await iterator.next();
      if (next.done) {
        done = true;
        break;
      }
      first.push(next.value);
      firstByte = next.value.find((b) => !isJsonSpace(b));
    }
    if (firstByte === 0x7b /* { */) {
      // Read on (bounded): an envelope is small, and a body this long that starts with `{` is no envelope anyway.
      let size = first.reduce((n, b) => n + b.length, 0);
      while (!done && size <= MAX_JSON_BYTES) {
        const next = await iterator.next();
        if (next.done) done = true;
        else {
          first.push(next.value);
          size += next.value.length;
        }
      }
      const parsed = done ? parseObject(Buffer.concat(first).toString('utf8')) : undefined;
      if (parsed && typeof parsed['errcode'] === 'number') {
        throwIfWeChatError(parsed, ctx.api, ctx.secrets);
      }
      if (parsed && typeof parsed['video_url'] === 'string' && res.status === 200) return { videoUrl: parsed['video_url'] };
    }
  } catch (e) {
    await iterator.return?.();
    if (e instanceof WeChatError) throw e;
    throw toTransportError(e, ctx, ctx.api);
  }
  if (res.status !== 200) {
    await iterator.return?.();
    const text = Buffer.concat(first).toString('utf8');
    throw new UnexpectedResponseError({ api: ctx.api, request: ctx.request, status: res.status, detail: snippet(text, ctx.secrets) });
  }
  const length = Number(res.headers['content-length']);
  return {
    contentType: res.headers['content-type']?.trim(),
    contentLength: Number.isFinite(length) && res.headers['content-length'] !== undefined ? length : undefined,
    filename: filenameOf(res.headers['content-disposition']),
    body: NodeReadable.from(rest(first, iterator, done, ctx), { objectMode: false }),
  };
}

async function* rest(first: Buffer[], iterator: AsyncIterator<Buffer>, done: boolean, ctx: ReadContext): AsyncGenerator<Buffer> {
  yield* first;
  if (done) return;
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  } catch (e) {
    throw toTransportError(e, ctx, ctx.api);
  } finally {
    await iterator.return?.();
  }
}

export function throwIfWeChatError(reply: Record<string, unknown>, api: string, secrets: readonly string[] = []): void {
  const errcode = reply['errcode'];
  if (typeof errcode === 'number' && errcode !== 0) {
    const errmsg = typeof reply['errmsg'] === 'string' ? reply['errmsg'] : '';
    throw new WeChatError({ errcode, errmsg: redactValues(errmsg, secrets), api });
  }
}

/** Collects a body into memory, refusing more than `max` bytes. */
export async function readCapped(body: Readable, max: number, ctx: ReadContext): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      size += buf.length;
      if (size > max) {
        body.destroy();
        throw new UnexpectedResponseError({ api: ctx.api, request: ctx.request, status: 200, detail: `reply longer than ${max} bytes` });
      }
      chunks.push(buf);
    }
  } catch (e) {
    if (e instanceof UnexpectedResponseError) throw e;
    throw toTransportError(e, ctx, ctx.api);
  }
  return Buffer.concat(chunks, size);
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isJsonSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

function snippet(text: string, secrets: readonly string[] = []): string {
  return redactValues(text.slice(0, 200).replace(/\s+/g, ' '), secrets);
}

/** `attachment; filename="x.jpg"` → x.jpg (WeChat writes `Content-disposition`; header names arrive lower-cased). */
function filenameOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /filename="([^"]*)"/i.exec(header) ?? /filename=([^;\s]+)/i.exec(header);
  return m?.[1];
}

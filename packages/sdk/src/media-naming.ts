import { fileTypeFromBuffer } from 'file-type';
import { MEDIA_FORMATS, formatBySniffedMime, type MediaFormat } from '@wxmedia/protocol';
import type { MediaSource } from './media-source.ts';

export interface MediaNaming {
  /** Always a plain ASCII `name.ext`: WeChat decides the kind of file by the extension, and refuses `filename*=`. */
  readonly filename: string;
  readonly contentType: string;
}

/**
 * The filename and Content-Type of an upload part. Explicit values win; otherwise the bytes decide (file-type's
 * magic numbers), then the input's own name/type. A name without an extension gets the one the bytes call for,
 * because WeChat answers 40005 to `filename="photo"`.
 */
export async function nameMedia(source: MediaSource, given: { filename?: string | undefined; contentType?: string | undefined }): Promise<MediaNaming> {
  const sniffed = await sniff(source.head);
  const stated = given.contentType ?? source.type;
  const format = sniffed ?? (stated ? MEDIA_FORMATS.find((f) => f.mime === stated.toLowerCase()) : undefined);
  const contentType = stated ?? format?.mime ?? 'application/octet-stream';
  const base = plainFilename(given.filename ?? source.name ?? 'media');
  return { filename: hasExtension(base) ? base : `${base}.${format?.ext ?? 'bin'}`, contentType };
}

async function sniff(head: Uint8Array): Promise<MediaFormat | undefined> {
  if (head.length === 0) return undefined;
  const found = await fileTypeFromBuffer(head);
  return found ? formatBySniffedMime(found.mime) : undefined;
}

/**
 * Keeps a filename inside what every multipart parser reads the same way: printable ASCII without quotes,
 * backslashes or path separators. Anything else becomes `_`.
 */
export function plainFilename(name: string): string {
  const cleaned = name.replace(/[^\x21-\x7e ]|["\\/;]/g, '_').trim();
  return cleaned === '' || /^\.+$/.test(cleaned) ? 'media' : cleaned;
}

function hasExtension(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot > 0 && dot < name.length - 1;
}

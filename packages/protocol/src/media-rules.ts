/**
 * What each upload `type` accepts. WeChat decides the kind of a file from its filename extension; wxmedia also
 * checks the bytes (magic numbers), so a text file named `.jpg` is refused with 40005.
 *
 * Sources: the uploadTempMedia page (mini programs: `image` only) and WeChat's official-account media pages (official accounts may also send voice, video
 * and thumb to the same endpoint; size limits; BMP only for permanent material, so not here).
 */

export type MediaType = 'image' | 'voice' | 'video' | 'thumb';

/** One kind of file the server stores. `code` is written into every media_id, so never renumber. */
export interface MediaFormat {
  readonly code: number;
  /** The extension used in `Content-disposition` on get. */
  readonly ext: string;
  /** Filename extensions (lower case, no dot) that name this format. */
  readonly extensions: readonly string[];
  readonly mime: string;
  /** The `mime` that `file-type` reports for these bytes. */
  readonly sniffedMime: string;
}

export const MEDIA_FORMATS = [
  { code: 1, ext: 'jpg', extensions: ['jpg', 'jpeg'], mime: 'image/jpeg', sniffedMime: 'image/jpeg' },
  { code: 2, ext: 'png', extensions: ['png'], mime: 'image/png', sniffedMime: 'image/png' },
  { code: 3, ext: 'gif', extensions: ['gif'], mime: 'image/gif', sniffedMime: 'image/gif' },
  { code: 4, ext: 'amr', extensions: ['amr'], mime: 'audio/amr', sniffedMime: 'audio/amr' },
  { code: 5, ext: 'mp3', extensions: ['mp3'], mime: 'audio/mpeg', sniffedMime: 'audio/mpeg' },
  { code: 6, ext: 'mp4', extensions: ['mp4'], mime: 'video/mp4', sniffedMime: 'video/mp4' },
] as const satisfies readonly MediaFormat[];

export type MediaFormatCode = (typeof MEDIA_FORMATS)[number]['code'];

export interface MediaTypeRule {
  readonly formats: readonly MediaFormat[];
  /** Default size limit in bytes; the server's configuration may change it. */
  readonly maxBytes: number;
  /** The key of the id in the upload reply (WeChat names the thumb id differently). */
  readonly idKey: 'media_id' | 'thumb_media_id';
  /** Whether mini-program apps may upload this type (only `image`, per the uploadTempMedia page). */
  readonly miniProgram: boolean;
}

const MB = 1024 * 1024;
const [JPG, PNG, GIF, AMR, MP3, MP4] = MEDIA_FORMATS;

export const MEDIA_TYPE_RULES: Readonly<Record<MediaType, MediaTypeRule>> = {
  image: { formats: [JPG, PNG, GIF], maxBytes: 10 * MB, idKey: 'media_id', miniProgram: true },
  voice: { formats: [AMR, MP3], maxBytes: 2 * MB, idKey: 'media_id', miniProgram: false },
  video: { formats: [MP4], maxBytes: 10 * MB, idKey: 'media_id', miniProgram: false },
  thumb: { formats: [JPG], maxBytes: 64 * 1024, idKey: 'thumb_media_id', miniProgram: false },
};

export const MEDIA_TYPES = Object.keys(MEDIA_TYPE_RULES) as MediaType[];

export function isMediaType(value: unknown): value is MediaType {
  return typeof value === 'string' && Object.hasOwn(MEDIA_TYPE_RULES, value);
}

export function formatByCode(code: number): MediaFormat | undefined {
  return MEDIA_FORMATS.find((f) => f.code === code);
}

/** The format a filename's extension names among those `type` accepts, or undefined. */
export function formatForFilename(type: MediaType, filename: string): MediaFormat | undefined {
  const dot = filename.lastIndexOf('.');
  if (dot < 0 || dot === filename.length - 1) return undefined;
  const ext = filename.slice(dot + 1).toLowerCase();
  return MEDIA_TYPE_RULES[type].formats.find((f) => f.extensions.includes(ext));
}

/** The format whose bytes `file-type` reported as `sniffedMime`, across every type. */
export function formatBySniffedMime(sniffedMime: string): MediaFormat | undefined {
  return MEDIA_FORMATS.find((f) => f.sniffedMime === sniffedMime);
}

/** How many leading bytes a magic-number sniff needs (file-type's own sample size). */
export const SNIFF_BYTES = 4100;

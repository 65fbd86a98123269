import { extname } from 'node:path';
import { fileTypeFromBuffer } from 'file-type';
import { ERRCODES, MEDIA_TYPE_RULES, formatBySniffedMime, type MediaType } from '@wxmedia/protocol';

/**
 * Why WeChat refused an upload, in terms of the file the person gave: WeChat's own errmsg ("invalid file type")
 * does not say whether the name or the bytes are wrong, so the bytes are looked at here (the server looked at the
 * same ones). Undefined when there is nothing to add to the errmsg.
 */
export async function explainUploadFailure(o: { errcode: number; type: MediaType; name: string | undefined; head: Uint8Array; size: number }): Promise<string | undefined> {
  const rule = MEDIA_TYPE_RULES[o.type];
  const allowed = rule.formats.map((f) => f.ext.toUpperCase());
  switch (o.errcode) {
    case ERRCODES.INVALID_FILE_TYPE.errcode: {
      const found = o.head.length > 0 ? await fileTypeFromBuffer(o.head) : undefined;
      const sniffed = found ? formatBySniffedMime(found.mime) : undefined;
      const ext = o.name ? extname(o.name).slice(1).toLowerCase() : '';
      const named = rule.formats.find((f) => f.extensions.includes(ext));
      if (o.name && !ext) return `the name has no extension (${o.type} takes ${list(rule.formats.map((f) => `.${f.ext}`))})`;
      if (o.name && !named) return `.${ext} is not accepted for ${o.type} (${list(rule.formats.map((f) => `.${f.ext}`))})`;
      if (!sniffed) return `the bytes are not ${list(allowed, 'or')}${found ? ` (they look like ${found.ext.toUpperCase()})` : ''}`;
      if (named && sniffed !== named) return `the bytes are ${sniffed.ext.toUpperCase()}, the name says .${ext}`;
      return undefined;
    }
    case ERRCODES.INVALID_MEDIA_SIZE.errcode:
      return `${megabytes(o.size)} is more than the server takes for ${o.type} (WeChat: ${megabytes(rule.maxBytes)})`;
    case ERRCODES.EMPTY_MEDIA_DATA.errcode:
      return 'the file is empty';
    case ERRCODES.INVALID_MEDIA_TYPE.errcode:
      return rule.miniProgram ? undefined : `this app may not upload ${o.type} (mini programs: image only; pass --type image)`;
    case ERRCODES.DAILY_QUOTA.errcode:
      return "the app's daily upload quota is spent";
    default:
      return undefined;
  }
}

function list(items: readonly string[], last = 'or'): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${last} ${items.at(-1)}`;
}

function megabytes(n: number): string {
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

import { createRequire } from 'node:module';

type MimeDb = Readonly<Record<string, { readonly extensions?: readonly string[] } | undefined>>;

let mimeDb: MimeDb | undefined;

/**
 * The part's filename for a cloud-call upload, named exactly as wx-server-sdk 4.x names it (its mediaConverter):
 * `media.<ext>` with the first extension mime-db lists for `contentType` (looked up as given: no lower-casing, no
 * parameters stripped), and `png` when mime-db has none. The bytes play no part: JPEG bytes sent as `image/png` are
 * named `media.png` and WeChat refuses them (40005), on either face. A `fileName` plays none either: the converter
 * reads `media.fileName`, but wx-server-sdk has snake-cased every key to `file_name` before it runs.
 *
 * mime-db is pinned to the version wx-server-sdk 4.x resolves, so both faces pick the same extension (1.52.0
 * names image/jpeg `jpeg`). Loaded on first use: it is a 200 KB JSON table most programs never need.
 */
export function cloudMediaFilename(contentType: string): string {
  mimeDb ??= createRequire(import.meta.url)('mime-db') as MimeDb;
  const ext = mimeDb[contentType]?.extensions?.[0];
  return `media.${ext ?? 'png'}`;
}

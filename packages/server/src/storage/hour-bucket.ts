import { mediaIdCreatedAt } from '@wxmedia/protocol';
import type { BlobInfo } from './blob-store.ts';

/**
 * Blobs are laid out by the UTC hour of their created_at (written in the id), in the filesystem store and the S3
 * store alike: a sweep drops whole hours without looking inside, and only the hour the boundary cuts is listed.
 */
export const HOUR_SECONDS = 3600;

/** `YYYYMMDDHH`: what a bucket (a directory, or a key prefix) is named. */
export const HOUR_BUCKET_NAME = /^\d{10}$/;

/** The last hour hourBucketName formatted: every upload and get asks, mostly for the current hour. */
let lastHour = { index: Number.NaN, name: '' };

/** `YYYYMMDDHH` of a Unix time, in UTC. */
export function hourBucketName(createdAt: number): string {
  const index = Math.floor(createdAt / HOUR_SECONDS);
  if (index !== lastHour.index) lastHour = { index, name: new Date(index * HOUR_SECONDS * 1000).toISOString().slice(0, 13).replace(/[-T]/g, '') };
  return lastHour.name;
}

/** Unix seconds at which the hour named `YYYYMMDDHH` starts. */
export function hourBucketStart(name: string): number {
  const [y, m, d, h] = [name.slice(0, 4), name.slice(4, 6), name.slice(6, 8), name.slice(8, 10)].map(Number);
  return Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1, h ?? 0) / 1000;
}

/** Sort order of listings: newest created_at first (read from the ids), then by id so the order is stable. */
export function newestIdFirst(a: string, b: string): number {
  return (mediaIdCreatedAt(b) ?? 0) - (mediaIdCreatedAt(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Blobs a listing looks up at once (sidecars read, HeadObject requests): enough to hide latency, few enough to
 * keep file descriptors and connections bounded. */
const LIST_BATCH = 16;

/**
 * BlobStore.list as both stores walk it: hour buckets newest first, the ids in each newest first, looked up a batch
 * at a time (a lookup answers undefined for a blob deleted or swept since the listing), kept when of `appid` (or
 * any app), until `limit` are found.
 */
export async function listNewestFirst(
  store: {
    readonly buckets: () => Promise<string[]>;
    readonly idsIn: (bucket: string) => Promise<string[]>;
    readonly info: (bucket: string, id: string) => Promise<BlobInfo | undefined>;
  },
  options: { readonly appid?: string; readonly limit: number },
): Promise<BlobInfo[]> {
  const found: BlobInfo[] = [];
  if (options.limit <= 0) return found;
  for (const bucket of (await store.buckets()).sort().reverse()) {
    const ids = (await store.idsIn(bucket)).sort(newestIdFirst);
    for (let i = 0; i < ids.length; i += LIST_BATCH) {
      const infos = await Promise.all(ids.slice(i, i + LIST_BATCH).map((id) => store.info(bucket, id)));
      for (const info of infos) {
        if (info === undefined || (options.appid !== undefined && info.appid !== options.appid)) continue;
        found.push(info);
        if (found.length >= options.limit) return found;
      }
    }
  }
  return found;
}

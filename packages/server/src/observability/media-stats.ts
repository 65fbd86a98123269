import type { BlobStats, BlobStore } from '../storage/blob-store.ts';

/** How long a media count stays fresh: counting may walk the whole store, and scrapers come every 15-60 s. */
const TTL_MS = 10_000;
/** Without BlobStore.stats, at most this many entries are added up. */
const LIST_LIMIT = 100_000;

/**
 * Media stored (count, bytes) for the metrics and the overview: the store's stats() (or its listing added up),
 * computed at most every TTL_MS whoever asks; concurrent askers share one count; a failed count is not kept.
 */
export function cachedMediaStats(blobs: BlobStore): () => Promise<BlobStats> {
  let cached: { at: number; stats: Promise<BlobStats> } | undefined;
  return () => {
    if (!cached || Date.now() - cached.at > TTL_MS) {
      const stats = blobs.stats ? blobs.stats() : sumOfList(blobs);
      cached = { at: Date.now(), stats };
      stats.catch(() => (cached = undefined));
    }
    return cached.stats;
  };
}

async function sumOfList(blobs: BlobStore): Promise<BlobStats> {
  const all = await blobs.list({ limit: LIST_LIMIT });
  return { count: all.length, bytes: all.reduce((n, b) => n + b.size, 0) };
}

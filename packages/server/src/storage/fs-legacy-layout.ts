import { readFile } from 'node:fs/promises';
import { parseJsonObject } from '@wxmedia/protocol';
import type { BlobInfo } from './blob-store.ts';
import { ifPresent } from './fs-calls.ts';

/**
 * wxmedia 0.1.0's layout of a committed blob, which data directories made by it still hold (for the 3 days their
 * media live): the bytes alone in `<bucket>/<id>`, and BlobInfo in a JSON sidecar `<bucket>/<id>.json`. The data
 * file is the commit point (the sidecar was renamed in before it), so a data file means a blob and a sidecar alone
 * means nothing. FsBlobStore reads, lists, deletes and sweeps these; it never writes them.
 */
export const LEGACY_SIDECAR = '.json';

/** Ids whose legacy data file and sidecar are both among `names` (one directory's listing). */
export function legacyCommittedIds(names: readonly string[], isId: (name: string) => boolean): string[] {
  const present = new Set(names);
  return names.filter((name) => isId(name) && present.has(`${name}${LEGACY_SIDECAR}`));
}

/** A legacy sidecar's BlobInfo; undefined if absent or not one (a torn one means outside damage: treated as absent). */
export async function readLegacySidecar(path: string): Promise<BlobInfo | undefined> {
  const text = await ifPresent(() => readFile(path, 'utf8'));
  if (text === undefined) return undefined;
  const v = parseJsonObject(text);
  return v !== undefined && isBlobInfo(v) ? v : undefined;
}

function isBlobInfo(v: Record<string, unknown>): v is Record<string, unknown> & BlobInfo {
  return (
    typeof v['id'] === 'string' &&
    typeof v['appid'] === 'string' &&
    typeof v['contentType'] === 'string' &&
    typeof v['filename'] === 'string' &&
    typeof v['createdAt'] === 'number' &&
    typeof v['size'] === 'number'
  );
}

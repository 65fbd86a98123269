import type { ResetResult } from '@wxmedia/protocol';
import type { BlobStore } from '../../storage/blob-store.ts';
import type { AppRegistry } from '../apps.ts';
import type { ServerCalls } from '../call-peers.ts';
import type { QuotaService } from '../quotas.ts';
import type { TokenService } from '../tokens.ts';
import type { FaultService } from './faults.ts';

export interface ResetDeps {
  readonly apps: AppRegistry;
  readonly blobs: BlobStore;
  readonly tokens: TokenService;
  readonly quotas: QuotaService;
  readonly faults: FaultService;
  readonly calls: ServerCalls;
}

/** Blobs deleted per listing while wiping media. */
const BATCH = 500;

/**
 * Test isolation: one app's (or every app's) media, tokens (all revoked at once), quota counters, force_refresh
 * limits, faults and recent calls are wiped. The apps themselves, their secrets and the clock stay.
 */
export async function resetApps(deps: ResetDeps, appid?: string): Promise<ResetResult> {
  const appids = appid !== undefined ? [appid] : (await deps.apps.list()).map((a) => a.appid);
  let media = 0;
  for (;;) {
    const batch = await deps.blobs.list({ limit: BATCH, ...(appid !== undefined ? { appid } : {}) });
    let deleted = 0;
    for (const blob of batch) if (await deps.blobs.delete(blob.id)) deleted += 1;
    media += deleted;
    // Stop once nothing is left, or nothing could be removed (another instance wiped it meanwhile).
    if (batch.length < BATCH || deleted === 0) break;
  }
  for (const id of appids) {
    await deps.tokens.revokeAll(id);
    await deps.tokens.forgetLimits(id);
    await deps.quotas.forget(id);
  }
  const faults = await deps.faults.clear(appid);
  await deps.calls.clear(appid);
  return { media, apps: appids.length, faults };
}

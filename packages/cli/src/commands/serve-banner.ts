import { join } from 'node:path';
import { ADMIN_KEY_FILE, ADMIN_PREFIX, CLOUD_GATEWAY_PATH, DASHBOARD_PATH } from '@wxmedia/protocol';
import type { BoundAddresses } from '@wxmedia/server';
import type { AdminKeySource } from '../serve-config.ts';

/** What `wxmedia serve` prints once it listens (by the process itself, or by the primary of --workers N). */
export interface BannerFacts {
  readonly bound: BoundAddresses;
  readonly host: string;
  readonly dataDir: string;
  readonly ephemeral: boolean;
  readonly adminKey: string;
  /** Where the operator gave the admin key; undefined: the server keeps it in `<data>/admin.key`. */
  readonly adminKeyFrom: AdminKeySource | undefined;
  /** Where media and state live (engine and place, never a password). */
  readonly storage: { readonly blobs: string; readonly state: string };
  readonly devApp: { readonly appid: string; readonly secret: string } | undefined;
  readonly devAppFile: string | undefined;
  readonly configured: readonly string[];
}

export function printBanner(f: BannerFacts, workerPids: readonly number[]): void {
  const [first, ...others] = f.bound.addresses;
  const lines = [`wxmedia listening on ${first}`];
  for (const other of others) lines.push(`  also:    ${other}`);
  if (!f.bound.loopbackOnly) {
    lines.push(
      `  warning: --host ${f.host} makes the API and the admin API (${ADMIN_PREFIX}) reachable from the network;`,
      `           pass --host 127.0.0.1 to keep them on this machine`,
    );
  }
  lines.push(`  data:    ${f.dataDir}${f.ephemeral ? ' (ephemeral: removed at exit)' : ''}`);
  lines.push(`  media:   ${f.storage.blobs}`, `  state:   ${f.storage.state}`);
  if (workerPids.length > 0) lines.push(`  workers: ${workerPids.length} (pids ${workerPids.join(', ')})`);
  // The development app's secret is printed only while nothing off this machine can use it.
  const showSecret = f.bound.loopbackOnly;
  if (f.devApp) {
    lines.push(
      showSecret
        ? `  dev app: appid ${f.devApp.appid}  secret ${f.devApp.secret}`
        : `  dev app: appid ${f.devApp.appid}  secret in ${f.devAppFile} (not printed: the server is reachable from the network)`,
    );
  }
  for (const appid of f.configured) lines.push(`  app:     ${appid} (secret as configured)`);
  // Ready to paste for the development app; placeholders where the secret is not printed.
  const appid = f.devApp?.appid ?? 'APPID';
  const secret = f.devApp && showSecret ? f.devApp.secret : 'SECRET';
  const url = f.bound.url;
  const { bearer, keyWhere } = adminKeyHint(f);
  lines.push(
    `  token:   curl "${url}/cgi-bin/token?grant_type=client_credential&appid=${appid}&secret=${secret}"`,
    `  cloud:   TCB_CONTEXT_CNFG='{"URL":"${url}${CLOUD_GATEWAY_PATH}"}' TENCENTCLOUD_SECRETID=${appid} TENCENTCLOUD_SECRETKEY=${secret} (see docs/cloud-call.md)`,
    `  admin:   ${url}${ADMIN_PREFIX} (Authorization: Bearer ${bearer})`,
    // The key rides in the URL fragment: browsers never send a fragment, so it reaches no request log. Reachable
    // from the network, the link goes without it (the page then asks for the key).
    `  dashboard: ${url}${DASHBOARD_PATH}${f.bound.loopbackOnly ? `#key=${encodeURIComponent(f.adminKey)}` : ` (key: ${keyWhere})`}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * How to send the admin key (a shell word after `Bearer`) and where a person finds it. A key the operator gave is
 * never written to `<data>/admin.key`, so the banner names where it was given instead of a file that is not there.
 */
function adminKeyHint(f: BannerFacts): { bearer: string; keyWhere: string } {
  const from = f.adminKeyFrom;
  if (from === undefined) {
    const file = join(f.dataDir, ADMIN_KEY_FILE);
    return { bearer: `$(cat ${file})`, keyWhere: file };
  }
  if ('env' in from) return { bearer: `$${from.env}`, keyWhere: `$${from.env}` };
  return { bearer: `<"adminKey" of ${from.configFile}>`, keyWhere: `"adminKey" of ${from.configFile}` };
}

import { join } from 'node:path';
import { ADMIN_PREFIX, DASHBOARD_PATH } from '@wxmedia/protocol';

/** What `wxmedia serve` prints once it listens (by the process itself, or by the primary of --workers N). */
export interface BannerFacts {
  readonly url: string;
  readonly host: string;
  readonly dataDir: string;
  readonly ephemeral: boolean;
  readonly adminKey: string;
  /** Where media and state live (engine and place, never a password). */
  readonly storage: { readonly blobs: string; readonly state: string };
  /** The development app, when no app is configured. */
  readonly devApp: { readonly appid: string; readonly secret: string } | undefined;
  readonly configured: readonly string[];
}

export function printBanner(b: BannerFacts, workerPids: readonly number[]): void {
  const { url, dataDir, devApp } = b;
  const lines = [
    `wxmedia listening on ${url}`,
    `  data:    ${dataDir}${b.ephemeral ? ' (ephemeral: removed at exit)' : ''}`,
    `  media:   ${b.storage.blobs}`,
    `  state:   ${b.storage.state}`,
  ];
  if (workerPids.length > 0) lines.push(`  workers: ${workerPids.length} (pids ${workerPids.join(', ')})`);
  if (devApp) {
    // Printed on every start: the development app exists only in this server's state.
    lines.push(`  dev app: appid ${devApp.appid}  secret ${devApp.secret}`);
  }
  for (const appid of b.configured) lines.push(`  app:     ${appid} (secret as configured)`);
  // Ready to paste for the development app; placeholders for configured apps, whose secrets are not printed.
  const appid = devApp?.appid ?? 'APPID';
  const secret = devApp?.secret ?? 'SECRET';
  lines.push(
    `  token:   curl "${url}/cgi-bin/token?grant_type=client_credential&appid=${appid}&secret=${secret}"`,
    `  cloud:   TCB_CONTEXT_CNFG='{"URL":"${url}/admin"}' TENCENTCLOUD_SECRETID=${appid} TENCENTCLOUD_SECRETKEY=${secret} (see docs/cloud-call.md)`,
    `  admin:   ${url}${ADMIN_PREFIX} (Authorization: Bearer $(cat ${join(dataDir, 'admin.key')}))`,
    // The key rides in the URL fragment: browsers never send a fragment, so it reaches no request log. On a
    // non-loopback address the link goes without it (the page then asks for the key).
    `  dashboard: ${url}${DASHBOARD_PATH}${isLoopback(b.host) ? `#key=${encodeURIComponent(b.adminKey)}` : ` (key: ${join(dataDir, 'admin.key')})`}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

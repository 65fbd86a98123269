/** What `wxmedia serve` prints once it listens (by the process itself, or by the primary of --workers N). */
export interface BannerFacts {
  readonly url: string;
  readonly dataDir: string;
  readonly storage: { readonly blob: string; readonly state: string };
  /** The development app, when no app is configured. */
  readonly devApp: { readonly appid: string; readonly secret: string } | undefined;
  readonly configured: readonly string[];
}

export function printBanner(facts: BannerFacts, workerPids: readonly number[]): void {
  const { url, dataDir, storage, devApp, configured } = facts;
  const lines = [`wxmedia listening on ${url}`, `  data:    ${dataDir}`, `  media:   ${storage.blob}`, `  state:   ${storage.state}`];
  if (workerPids.length > 0) lines.push(`  workers: ${workerPids.length} (pids ${workerPids.join(', ')})`);
  if (devApp) {
    // Printed on every start: the development app exists only in this server's state.
    lines.push(`  dev app: appid ${devApp.appid}  secret ${devApp.secret}`);
  }
  for (const appid of configured) lines.push(`  app:     ${appid} (secret as configured)`);
  // Ready to paste for the development app; placeholders for configured apps, whose secrets are not printed.
  const appid = devApp?.appid ?? 'APPID';
  const secret = devApp?.secret ?? 'SECRET';
  lines.push(
    `  token:   curl "${url}/cgi-bin/token?grant_type=client_credential&appid=${appid}&secret=${secret}"`,
    `  cloud:   TCB_CONTEXT_CNFG='{"URL":"${url}/admin"}' TENCENTCLOUD_SECRETID=${appid} TENCENTCLOUD_SECRETKEY=${secret} (see docs/cloud-call.md)`,
    `  admin:   ${url}/wxmedia/admin (Authorization: Bearer $(cat ${dataDir}/admin.key))`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

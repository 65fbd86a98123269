/**
 * Several real `wxmedia serve` processes sharing one bucket and one Redis, each with a data directory of its own
 * (as on separate machines):
 *
 *   const fleet = await startFleet({ instances: 3, stateStore: redis.url, s3 });
 *   fleet.instances[1].url; await fleet.restart(0); await fleet.admin(2, 'POST', '/clock', { advance: 300 });
 *   await fleet.stop();
 *
 * Every instance gets the same admin key (WXMEDIA_ADMIN_KEY) so the admin API answers alike on all of them; the
 * signing key is not given: the instances share the one kept in the state store.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalS3 } from '../helpers/s3rver.ts';
import { startCli, tempDir, TEST_APPS, type CliServer } from '../helpers/server.ts';

export interface FleetOptions {
  readonly instances: number;
  /** `redis://…` of the shared state store. */
  readonly stateStore: string;
  readonly s3: LocalS3;
  /** Bucket to create and share (default: a fresh one). */
  readonly bucket?: string;
  /** Written as a JSON config file every instance reads (e.g. dailyQuotas). */
  readonly config?: Record<string, unknown>;
  readonly args?: readonly string[];
}

export interface Fleet {
  readonly instances: CliServer[];
  readonly bucket: string;
  readonly adminKey: string;
  /** Starts instance `i` again (after kill9 or stop) with the same settings and data directory. */
  restart(i: number): Promise<CliServer>;
  /** Calls the admin API of instance `i`. */
  admin(i: number, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
  stop(): Promise<void>;
}

let buckets = 0;

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const bucket = options.bucket ?? `fleet-${process.pid}-${++buckets}`;
  await options.s3.createBucket(bucket);
  const root = await tempDir('wxmedia-fleet-');
  const adminKey = randomBytes(18).toString('base64url');
  const configPath = join(root.path, 'wxmedia.json');
  await writeFile(configPath, JSON.stringify(options.config ?? {}));
  const args = ['--blob-store', `s3://${bucket}/media-store`, '--state-store', options.stateStore, '--config', configPath, ...(options.args ?? [])];
  const start = (i: number) =>
    startCli({ dataDir: join(root.path, `instance-${i}`), args, env: { ...options.s3.env, WXMEDIA_ADMIN_KEY: adminKey } });
  const instances: CliServer[] = [];
  try {
    // One after the other: the first makes the signing key and the apps, the others find them.
    for (let i = 0; i < options.instances; i++) instances.push(await start(i));
  } catch (e) {
    await Promise.all(instances.map((s) => s.stop()));
    await root.cleanup();
    throw e;
  }
  return {
    instances,
    bucket,
    adminKey,
    async restart(i) {
      instances[i] = await start(i);
      return instances[i]!;
    },
    async admin(i, method, path, body) {
      const r = await fetch(`${instances[i]!.url}/wxmedia/admin${path}`, {
        method,
        headers: { authorization: `Bearer ${adminKey}` },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: r.status, json: (await r.json()) as Record<string, unknown> };
    },
    async stop() {
      await Promise.all(instances.map((s) => s.stop()));
      await options.s3.removeBucket(bucket).catch(() => undefined);
      await root.cleanup();
    },
  };
}

export const [APP] = TEST_APPS;

/**
 * GET /cgi-bin/media/get (by default of an id never stored: 40007 once the token and quota pass), on a connection
 * of its own so that the workers of `--workers N` take turns. 0 when it answers with the media.
 */
export async function getErrcode(url: string, token: string, mediaId = 'A'.repeat(64)): Promise<number> {
  const r = await fetch(`${url}/cgi-bin/media/get?access_token=${encodeURIComponent(token)}&media_id=${mediaId}`, { headers: { connection: 'close' } });
  const body = Buffer.from(await r.arrayBuffer());
  if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${body.toString().slice(0, 200)}`);
  const type = r.headers.get('content-type') ?? '';
  if (type.startsWith('image/')) return 0;
  return (JSON.parse(body.toString()) as { errcode: number }).errcode;
}

/** POST /cgi-bin/stable_token. */
export async function stableToken(url: string, forceRefresh = false): Promise<{ access_token?: string; expires_in?: number; errcode?: number }> {
  const r = await fetch(`${url}/cgi-bin/stable_token`, {
    method: 'POST',
    body: JSON.stringify({ grant_type: 'client_credential', appid: APP!.appid, secret: APP!.secret, force_refresh: forceRefresh }),
  });
  return (await r.json()) as { access_token?: string; expires_in?: number; errcode?: number };
}

/**
 * The worker processes of `wxmedia serve --workers N` (the children of its primary, from /proc). Which worker
 * answered a request is not exposed over HTTP: tests that need it read the pid in the request's log line.
 */
export async function workerPids(primaryPid: number): Promise<Set<number>> {
  const children = (await readFile(`/proc/${primaryPid}/task/${primaryPid}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean);
  return new Set(children.map(Number));
}

/** Until the primary runs `count` workers, none of them in `gone` (a replacement after a kill); the current set. */
export async function waitForWorkers(primaryPid: number, count: number, gone: ReadonlySet<number> = new Set()): Promise<Set<number>> {
  let pids = await workerPids(primaryPid);
  for (let i = 0; i < 100 && (pids.size !== count || [...gone].some((p) => pids.has(p))); i++) {
    await new Promise((r) => setTimeout(r, 100));
    pids = await workerPids(primaryPid);
  }
  return pids;
}

/**
 * The servers a benchmark compares, each a child process on 127.0.0.1 with its own temp data dir and RSS sampler:
 *
 *   wxmedia             `wxmedia serve --log-level warn` on its embedded stores (files + LMDB), real token
 *   wxmedia-s3-redis    the same on an S3 bucket and a Redis: s3rver (bench/emulators) and a redis-server, each a
 *                       child process of its own started here, with the settings a deployment uses
 *                       (`--blob-store s3://…`, `--state-store redis://…`, AWS_* variables)
 *   wxmedia-unpinned    `wxmedia serve` (one process) allowed every CPU: the base of the cores comparison
 *   wxmedia-2-workers   `wxmedia serve --workers 2`, allowed every CPU (RSS: primary and workers summed)
 *   bare-node, buffering, bare-s3   the peers in bench/peers/ (bare-s3 on an s3rver of its own)
 *   s3rver, azurite     the Node storage emulators from npm, driven with their own APIs (PutObject/GetObject;
 *                       Put Blob/Get Blob with an account SAS)
 *   nginx               Debian's nginx, WebDAV PUT and static GET: the absolute ceiling
 *
 * The benchmark's own process is pinned to the servers' CPUs before it starts any (see pinSelf), so every server,
 * and every store a server needs, inherits that pinning; the two "all CPUs" targets are widened after their start.
 * Only PIDs started here are ever signalled; Ctrl-C stops them all.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startRedisServer } from '../../test/helpers/redis-server.ts';
import { REPO_ROOT, startCli, tempDir } from '../../test/helpers/server.ts';
import { RssSampler, procMemory } from '../common.ts';
import { allCpus, pinTree, startAzurite, startNginx, startS3rver } from './services.ts';

export const ALL_TARGETS = [
  'wxmedia',
  'wxmedia-s3-redis',
  'wxmedia-unpinned',
  'wxmedia-2-workers',
  'bare-node',
  'buffering',
  'bare-s3',
  's3rver',
  'azurite',
  'nginx',
] as const;
export type TargetName = (typeof ALL_TARGETS)[number];
/** What bench/upload-get.ts runs by default: everything pinned to the servers' core. */
export const MAIN_TARGETS: readonly TargetName[] = ['wxmedia', 'wxmedia-s3-redis', 'bare-node', 'buffering', 'bare-s3', 's3rver', 'azurite', 'nginx'];
/** `--cores`: one process against two workers, both allowed every CPU. */
export const CORES_TARGETS: readonly TargetName[] = ['wxmedia-unpinned', 'wxmedia-2-workers'];
/** The targets wxmedia (embedded) is divided by in the ratio table. */
export const PEERS: readonly TargetName[] = ['bare-node', 'buffering', 's3rver', 'azurite', 'nginx'];
const PEER_NAMES: readonly TargetName[] = ['bare-node', 'buffering', 'bare-s3'];
const EMULATOR_TARGETS: readonly TargetName[] = ['wxmedia-s3-redis', 'bare-s3', 's3rver', 'azurite'];

/** Parses `--targets a,b,c` (default: `defaults`). */
export function parseTargets(text: string | undefined, defaults: readonly TargetName[] = MAIN_TARGETS): TargetName[] {
  if (!text) return [...defaults];
  const names = text.split(',').map((n) => n.trim());
  for (const name of names) {
    if (!(ALL_TARGETS as readonly string[]).includes(name)) throw new Error(`unknown target ${name} (known: ${ALL_TARGETS.join(', ')})`);
  }
  return names as TargetName[];
}

export const needsEmulators = (names: readonly TargetName[]) => names.some((n) => EMULATOR_TARGETS.includes(n));

/**
 * How a target is asked to store and return an image:
 *   wechat  POST `uploadPath` with a multipart body (one `media` part), reply `{ media_id }`; GET `getPath(id)`
 *   object  PUT `objectPath(key)` with the image as the body and `putHeaders`; GET `objectPath(key)`
 */
export type Api =
  | { readonly kind: 'wechat'; readonly uploadPath: string; getPath(id: string): string }
  | { readonly kind: 'object'; objectPath(key: string): string; readonly putHeaders: Readonly<Record<string, string>> };

export interface Target {
  readonly name: TargetName;
  readonly pid: number;
  readonly url: string;
  readonly api: Api;
  readonly rss: RssSampler;
  /** Memory is the process tree's (a --workers primary and its workers; nginx's master and worker). */
  readonly tree: boolean;
  /** VmRSS right after start, before any load: the base of "RSS growth". */
  readonly idleRss: number;
  /** A get returns the whole upload request body (buffering stores the multipart framing too), not the image. */
  readonly storesRawBody: boolean;
  stop(): Promise<void>;
}

interface Child {
  readonly pid: number;
  readonly url: string;
  /** An object store's API; absent: the WeChat API, with `token` (the peers accept any token). */
  readonly api?: Api;
  readonly token?: string;
  stop(): Promise<void>;
}

const running = new Set<() => Promise<void>>();
let onSignal: (() => void) | undefined;

/** Starts the named targets one after the other (stopping those already started if one fails). */
export async function startTargets(names: readonly TargetName[]): Promise<Target[]> {
  if (!onSignal) {
    onSignal = () => void stopAll().finally(() => process.exit(130));
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  const targets: Target[] = [];
  let token = '';
  try {
    for (const name of names) {
      const data = await tempDir(`wxmedia-bench-${name}-`);
      let child: Child;
      try {
        child = await startTarget(name, data.path);
      } catch (e) {
        await data.cleanup();
        throw e;
      }
      const tree = name === 'wxmedia-2-workers' || name === 'nginx';
      const rss = new RssSampler(child.pid, 100, tree);
      rss.start();
      // Memoized: a Ctrl-C and the script's own `finally` may both stop it, and both must wait for the cleanup.
      let stopping: Promise<void> | undefined;
      const stop = () =>
        (stopping ??= (async () => {
          rss.stop();
          await child.stop();
          await data.cleanup();
        })());
      running.add(stop);
      if (name === 'wxmedia-unpinned' || name === 'wxmedia-2-workers') await pinTree(child.pid, allCpus());
      const idle = await procMemory(child.pid, tree);
      targets.push({ name, pid: child.pid, url: child.url, api: child.api ?? wechat(child.token ?? ''), rss, tree, idleRss: idle.rss, storesRawBody: name === 'buffering', stop });
      if (child.token) token ||= child.token;
    }
  } catch (e) {
    await stopAll();
    throw e;
  }
  // The peers are sent a wxmedia token too, so that every WeChat-shaped target gets the same request bytes.
  return targets.map((t) => (t.api.kind === 'wechat' && PEER_NAMES.includes(t.name) ? { ...t, api: wechat(token || 'x'.repeat(64)) } : t));
}

/** Stops every target started here (by PID) and removes its data dir; resolves once all are done. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((stop) => stop()));
}

const wechat = (token: string): Api => {
  const q = `access_token=${encodeURIComponent(token)}`;
  return { kind: 'wechat', uploadPath: `/cgi-bin/media/upload?${q}&type=image`, getPath: (id) => `/cgi-bin/media/get?${q}&media_id=${encodeURIComponent(id)}` };
};

async function startTarget(name: TargetName, dir: string): Promise<Child> {
  switch (name) {
    case 'wxmedia':
    case 'wxmedia-s3-redis':
    case 'wxmedia-unpinned':
    case 'wxmedia-2-workers':
      return startWxmedia(name, dir);
    case 'bare-node':
    case 'buffering':
      return startPeer(name, ['--dir', dir]);
    case 'bare-s3': {
      const s3 = await startS3rver(join(dir, 's3rver'));
      try {
        const peer = await startPeer(name, ['--dir', dir, '--s3', `${s3.endpoint}/${s3.bucket}`]);
        return { ...peer, stop: () => peer.stop().finally(s3.stop) };
      } catch (e) {
        await s3.stop();
        throw e;
      }
    }
    case 's3rver': {
      const s3 = await startS3rver(dir);
      return {
        pid: s3.pid,
        url: s3.endpoint,
        api: { kind: 'object', objectPath: (key) => `/${s3.bucket}/${key}`, putHeaders: { 'content-type': 'image/jpeg' } },
        stop: s3.stop,
      };
    }
    case 'azurite': {
      const az = await startAzurite(dir);
      return {
        pid: az.pid,
        url: `http://127.0.0.1:${az.port}`,
        api: { kind: 'object', objectPath: (key) => `${az.base}${key}?${az.sas}`, putHeaders: { 'content-type': 'image/jpeg', 'x-ms-blob-type': 'BlockBlob' } },
        stop: az.stop,
      };
    }
    case 'nginx': {
      const nginx = await startNginx(dir);
      return { pid: nginx.pid, url: `http://127.0.0.1:${nginx.port}`, api: { kind: 'object', objectPath: (key) => `/media/${key}`, putHeaders: {} }, stop: nginx.stop };
    }
  }
}

/** A `wxmedia serve` target (its stores started first, and stopped after it); resolves once it answers. */
async function startWxmedia(name: 'wxmedia' | 'wxmedia-s3-redis' | 'wxmedia-unpinned' | 'wxmedia-2-workers', dir: string): Promise<Child> {
  const args = ['--log-level', 'warn'];
  const env: Record<string, string> = {};
  const services: Array<() => Promise<void>> = [];
  try {
    if (name === 'wxmedia-2-workers') args.push('--workers', '2');
    if (name === 'wxmedia-s3-redis') {
      const redis = await startRedisServer();
      services.push(() => redis.dispose());
      const s3 = await startS3rver(join(dir, 's3rver'));
      services.push(s3.stop);
      args.push('--blob-store', `s3://${s3.bucket}/media`, '--state-store', redis.url);
      Object.assign(env, { AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' });
    }
    const cli = await startCli({ dataDir: join(dir, 'data'), args, env });
    const token = await cli.token().catch(async (e: unknown) => {
      await cli.stop();
      throw e;
    });
    return {
      pid: cli.pid,
      url: cli.url,
      token,
      async stop() {
        await cli.stop();
        for (const stop of services.reverse()) await stop();
      },
    };
  } catch (e) {
    for (const stop of services.reverse()) await stop();
    throw e;
  }
}

/** `node --import tsx bench/peers/<name>.ts …`; resolves once it printed its URL. */
async function startPeer(name: 'bare-node' | 'buffering' | 'bare-s3', args: readonly string[]): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench', 'peers', `${name}.ts`), ...args], {
    cwd: REPO_ROOT,
    // stdin is a pipe the peer watches: if this process dies without stopping it, the peer exits on its own.
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name} did not start`);
  let gone = false;
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  void exited.then(() => (gone = true));
  const signal = (sig: NodeJS.Signals) => {
    if (!gone) process.kill(pid, sig);
  };
  let output = '';
  let timer: NodeJS.Timeout | undefined;
  const url = await new Promise<string>((res, rej) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = / listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        child.stdout.off('data', onData);
        res(m[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then(() => rej(new Error(`${name} exited before listening:\n${output}`)));
    timer = setTimeout(() => rej(new Error(`${name} did not listen within 30 s:\n${output}`)), 30_000);
  })
    .catch(async (e: unknown) => {
      signal('SIGKILL');
      await exited;
      throw e;
    })
    .finally(() => clearTimeout(timer));
  // Keep the pipes drained so the child never blocks on a full pipe.
  child.stdout.resume();
  child.stderr.resume();
  return {
    pid,
    url,
    async stop() {
      if (gone) return;
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

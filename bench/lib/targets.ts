/**
 * The servers a benchmark compares, each a child process on 127.0.0.1 with its own temp data dir and RSS sampler:
 *
 *   wxmedia             `wxmedia serve --log-level warn` on its embedded stores (files + LMDB), real token
 *   wxmedia-s3-redis    the same on an S3 bucket and a Redis: s3rver (`node_modules/.bin/s3rver`) and a
 *                       redis-server, each a child process of its own started here, with the settings a
 *                       deployment uses (`--blob-store s3://…`, `--state-store redis://…`, AWS_* variables)
 *   wxmedia-2-workers   `wxmedia serve --workers 2` on the embedded stores (RSS: primary and workers summed)
 *   bare-node, buffering  the peers in bench/peers/
 *
 * Every target is asked the same requests: the peers ignore the access_token in the query, and each wxmedia
 * target gets a token of its own (they keep separate state). Only PIDs started here are ever signalled; Ctrl-C
 * stops them all.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort, startRedisServer } from '../../test/helpers/redis-server.ts';
import { REPO_ROOT, startCli, tempDir } from '../../test/helpers/server.ts';
import { RssSampler, procMemory } from '../common.ts';

export type TargetName = 'wxmedia' | 'wxmedia-s3-redis' | 'wxmedia-2-workers' | 'bare-node' | 'buffering';
export const ALL_TARGETS: readonly TargetName[] = ['wxmedia', 'wxmedia-s3-redis', 'wxmedia-2-workers', 'bare-node', 'buffering'];
export const PEERS: readonly TargetName[] = ['bare-node', 'buffering'];

/** Parses `--targets a,b,c` (default: every target). */
export function parseTargets(text: string | undefined): TargetName[] {
  if (!text) return [...ALL_TARGETS];
  const names = text.split(',').map((n) => n.trim());
  for (const name of names) {
    if (!(ALL_TARGETS as readonly string[]).includes(name)) throw new Error(`unknown target ${name} (known: ${ALL_TARGETS.join(', ')})`);
  }
  return names as TargetName[];
}

export interface Target {
  readonly name: TargetName;
  readonly pid: number;
  readonly url: string;
  /** An access_token this target accepts (the peers accept any). */
  readonly token: string;
  readonly rss: RssSampler;
  /** VmRSS right after start, before any load: the base of "RSS growth". */
  readonly idleRss: number;
  /**
   * What a get returns for an upload: wxmedia the image alone; the peers the whole request body as stored
   * (multipart framing included, a couple of hundred bytes more).
   */
  readonly storesRawBody: boolean;
  stop(): Promise<void>;
}

interface Child {
  readonly pid: number;
  readonly url: string;
  readonly token?: string;
  stop(): Promise<void>;
}

const running = new Set<() => Promise<void>>();
let onSignal: (() => void) | undefined;

/**
 * Starts the named targets one after the other (stopping those already started if one fails) and returns them with
 * an access_token from wxmedia to put in every query. wxmedia must be among them.
 */
export async function startTargets(names: readonly TargetName[]): Promise<{ targets: Target[]; token: string }> {
  if (!onSignal) {
    onSignal = () => void stopAll().finally(() => process.exit(130));
    process.once('SIGINT', onSignal);
  }
  const targets: Target[] = [];
  let token = '';
  try {
    for (const name of names) {
      const data = await tempDir(`wxmedia-bench-${name}-`);
      let child: Child;
      try {
        if (name === 'bare-node' || name === 'buffering') child = await startPeer(name, data.path);
        else child = await startWxmedia(name, data.path);
        if (child.token) token ||= child.token;
      } catch (e) {
        await data.cleanup();
        throw e;
      }
      // A --workers target's memory is its primary's and its workers' together.
      const rss = new RssSampler(child.pid, 100, name === 'wxmedia-2-workers');
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
      const idle = await procMemory(child.pid, name === 'wxmedia-2-workers');
      targets.push({ name, pid: child.pid, url: child.url, token: child.token ?? '', rss, idleRss: idle.rss, storesRawBody: PEERS.includes(name), stop });
    }
  } catch (e) {
    await stopAll();
    throw e;
  }
  if (!token) {
    await stopAll();
    throw new Error('startTargets: a wxmedia target must be among them (it issues the token the peers are sent)');
  }
  return { targets: targets.map((t) => (t.token ? t : { ...t, token })), token };
}

/** Stops every target started here (by PID) and removes its data dir; resolves once all are done. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((stop) => stop()));
}

/** A `wxmedia serve` target (its stores started first, and stopped after it); resolves once it answers. */
async function startWxmedia(name: Exclude<TargetName, 'bare-node' | 'buffering'>, dir: string): Promise<Child> {
  const args = ['--log-level', 'warn'];
  const env: Record<string, string> = {};
  const services: Array<() => Promise<void>> = [];
  try {
    if (name === 'wxmedia-2-workers') args.push('--workers', '2');
    if (name === 'wxmedia-s3-redis') {
      const redis = await startRedisServer();
      services.push(() => redis.dispose());
      const s3 = await startS3rverProcess(join(dir, 's3rver'));
      services.push(s3.stop);
      args.push('--blob-store', `s3://${s3.bucket}/media`, '--state-store', redis.url);
      Object.assign(env, s3.env);
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

/** s3rver from the command line, in a process of its own (so it does not share the load generator's CPU time). */
async function startS3rverProcess(dir: string): Promise<{ bucket: string; env: Record<string, string>; stop(): Promise<void> }> {
  const port = await freePort();
  const bucket = 'bench';
  const child = spawn(join(REPO_ROOT, 'node_modules', '.bin', 's3rver'), ['-d', dir, '-a', '127.0.0.1', '-p', String(port), '--configure-bucket', bucket, '--silent'], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  for (let i = 0; ; i++) {
    const open = await new Promise<boolean>((res) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(() => res(true)));
      socket.once('error', () => res(false));
    });
    if (open) break;
    if (i > 200) {
      await stop();
      throw new Error('s3rver did not listen within 10 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const endpoint = `http://127.0.0.1:${port}`;
  return { bucket, env: { AWS_ENDPOINT_URL_S3: endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' }, stop };
}

/** `node --import tsx bench/peers/<name>.ts --dir <dir>`; resolves once it printed its URL. */
async function startPeer(name: 'bare-node' | 'buffering', dir: string): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench', 'peers', `${name}.ts`), '--dir', dir], {
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

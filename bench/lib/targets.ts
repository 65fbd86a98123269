/**
 * The servers a benchmark compares, each a child process on 127.0.0.1 with its own temp data dir and RSS sampler:
 * `wxmedia serve` (driven as before: CLI, real token, --log-level warn) and the peers in bench/peers/. Every target
 * is asked the same requests: the peers ignore the access_token in the query, so even the request bytes match.
 * Only PIDs started here are ever signalled; Ctrl-C stops them all.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, startCli, tempDir } from '../../test/helpers/server.ts';
import { RssSampler, procMemory } from '../common.ts';

export type TargetName = 'wxmedia' | 'bare-node' | 'buffering';
export const ALL_TARGETS: readonly TargetName[] = ['wxmedia', 'bare-node', 'buffering'];

export interface Target {
  readonly name: TargetName;
  readonly pid: number;
  readonly url: string;
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
        if (name === 'wxmedia') {
          const cli = await startCli({ dataDir: data.path, args: ['--log-level', 'warn'] });
          token = await cli.token().catch(async (e: unknown) => {
            await cli.stop();
            throw e;
          });
          child = cli;
        } else {
          child = await startPeer(name, data.path);
        }
      } catch (e) {
        await data.cleanup();
        throw e;
      }
      const rss = new RssSampler(child.pid);
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
      const idle = await procMemory(child.pid);
      targets.push({ name, pid: child.pid, url: child.url, rss, idleRss: idle.rss, storesRawBody: name !== 'wxmedia', stop });
    }
  } catch (e) {
    await stopAll();
    throw e;
  }
  if (!token) {
    await stopAll();
    throw new Error('startTargets: wxmedia must be one of the targets (it issues the token)');
  }
  return { targets, token };
}

/** Stops every target started here (by PID) and removes its data dir; resolves once all are done. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((stop) => stop()));
}

/** `node --import tsx bench/peers/<name>.ts --dir <dir>`; resolves once it printed its URL. */
async function startPeer(name: Exclude<TargetName, 'wxmedia'>, dir: string): Promise<Child> {
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

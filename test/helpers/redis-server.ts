/**
 * Redis servers of a test's own (Debian's `redis-server`), on free ports of 127.0.0.1, for what the shared Redis
 * cannot show: persistence across a restart (AOF) and Redis Cluster.
 *
 *   const r = await startRedisServer({ appendOnly: true });  // r.url; r.stop(); r.start() (same port, same data)
 *   const c = await startRedisCluster();                       // three masters; c.url names one of them
 *   await r.dispose(); await c.dispose();                      // stops them (by PID) and removes their directories
 *
 * Without the binary, redisServerMissing() says why the test skips (or fails under WXMEDIA_REQUIRE_SERVICES=1).
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { tempDir } from './server.ts';
import { missingService } from './services.ts';

const run = promisify(execFile);

/** Undefined if redis-server and redis-cli are installed; else what the test's skip says. */
export function redisServerMissing(): { skip: string } | undefined {
  const found = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0 && spawnSync('redis-cli', ['--version'], { stdio: 'ignore' }).status === 0;
  return found ? undefined : missingService('redis-server/redis-cli not installed (Debian: apt-get install -y redis-server)');
}

export interface LocalRedis {
  readonly port: number;
  readonly url: string;
  /** Shuts the server down (SHUTDOWN, so an AOF is complete) and waits for its process to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory. */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 whose cluster bus port (port + 10000) is free too. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await isFree(port)) && (await isFree(port + 10_000))) return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

async function waitForPing(port: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (error) {
      if (attempt >= 100) throw new Error(`redis-server on ${port} never answered: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      client.disconnect();
    }
  }
}

async function spawnRedis(port: number, dir: string, extra: readonly string[]): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...extra], {
    stdio: 'ignore',
  });
  await waitForPing(port);
  return child;
}

/** One redis-server; with appendOnly, every write is fsynced to its AOF before it is acknowledged. */
export async function startRedisServer(options: { appendOnly?: boolean } = {}): Promise<LocalRedis> {
  const dir = await tempDir('wxmedia-redis-');
  const port = await freePort();
  const extra = options.appendOnly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  let child: ChildProcess | undefined = await spawnRedis(port, dir.path, extra);
  const stop = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    await run('redis-cli', ['-p', String(port), 'shutdown']).catch(() => child?.kill('SIGKILL'));
    await exited;
    child = undefined;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    async start() {
      child = await spawnRedis(port, dir.path, extra);
    },
    async dispose() {
      await stop();
      await dir.cleanup();
    },
  };
}

export interface LocalRedisCluster {
  readonly ports: readonly number[];
  /** A URL naming one master; clients discover the others. */
  readonly url: string;
  dispose(): Promise<void>;
}

/** A Redis Cluster of `masters` nodes without replicas, each in a directory of its own. */
export async function startRedisCluster(masters = 3): Promise<LocalRedisCluster> {
  const dir = await tempDir('wxmedia-redis-cluster-');
  const nodes: { port: number; child: ChildProcess }[] = [];
  const dispose = async () => {
    await Promise.all(
      nodes.map(async ({ child }) => {
        if (child.exitCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }),
    );
    await dir.cleanup();
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      const nodeDir = join(dir.path, String(port));
      await mkdir(nodeDir);
      const child = await spawnRedis(port, nodeDir, ['--appendonly', 'no', '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf']);
      nodes.push({ port, child });
    }
    await run('redis-cli', ['--cluster', 'create', ...nodes.map(({ port }) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes']);
    for (const { port } of nodes) await waitForClusterOk(port);
  } catch (error) {
    await dispose();
    throw error;
  }
  return { ports: nodes.map(({ port }) => port), url: `redis://127.0.0.1:${nodes[0]!.port}`, dispose };
}

async function waitForClusterOk(port: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
    if (/cluster_state:ok/.test(stdout)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the cluster node on ${port} never reported cluster_state:ok`);
}

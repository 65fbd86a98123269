/**
 * The servers of the benchmarks that are not wxmedia and not ours: s3rver and Azurite (npm packages installed on
 * demand into bench/emulators, never a dependency of the product), nginx (Debian's) and redis-server, each a child
 * process on 127.0.0.1 started here and stopped by its PID; plus CPU pinning with taskset.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../test/helpers/redis-server.ts';
import { REPO_ROOT } from '../../test/helpers/server.ts';

const run = promisify(execFile);
export const EMULATORS = join(REPO_ROOT, 'bench', 'emulators');

/** `npm ci --prefix bench/emulators` when its node_modules is missing or older than its lockfile. */
export function ensureEmulators(): void {
  const installed = join(EMULATORS, 'node_modules', '.package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(join(EMULATORS, 'package-lock.json')).mtimeMs) return;
  console.error('installing the emulators (npm ci --prefix bench/emulators)…');
  const r = spawnSync('npm', ['ci', '--prefix', EMULATORS, '--no-audit', '--no-fund', '--loglevel=error'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error('npm ci --prefix bench/emulators failed');
}

/** Exits with what to install when nginx is missing. */
export function nginxMissing(): string | undefined {
  return spawnSync('nginx', ['-v'], { stdio: 'ignore' }).status === 0 ? undefined : 'nginx is not installed (Debian: apt-get install -y nginx-light)';
}

export interface Service {
  readonly pid: number;
  readonly port: number;
  stop(): Promise<void>;
}

async function waitForPort(port: number, what: string, exited: Promise<unknown>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  for (let i = 0; ; i++) {
    const open = await new Promise<boolean>((res) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(() => res(true)));
      socket.once('error', () => res(false));
    });
    if (open) return;
    if (gone) throw new Error(`${what} exited before listening`);
    if (i > 600) throw new Error(`${what} did not listen on ${port} within 30 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Spawns `command` and waits for `port` to accept; stop() sends `stopSignal` (then SIGKILL after 5 s) to its PID. */
async function service(what: string, command: string, args: readonly string[], port: number, stopSignal: NodeJS.Signals = 'SIGTERM'): Promise<Service> {
  let output = '';
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  child.stderr.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const pid = child.pid;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(stopSignal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    if (pid === undefined) throw new Error(`${what} did not start`);
    await waitForPort(port, what, exited);
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n${output}`);
  }
  return { pid: pid!, port, stop };
}

/** s3rver (bench/emulators) serving `bucket` from `dir`; it takes anonymous requests, so no signing is needed. */
export async function startS3rver(dir: string, bucket = 'bench'): Promise<Service & { endpoint: string; bucket: string }> {
  const port = await freePort();
  const s = await service(
    's3rver',
    process.execPath,
    [join(EMULATORS, 'node_modules', 's3rver', 'bin', 's3rver.js'), '-d', dir, '-a', '127.0.0.1', '-p', String(port), '--configure-bucket', bucket, '--silent'],
    port,
  );
  return { ...s, endpoint: `http://127.0.0.1:${port}`, bucket };
}

/**
 * Azurite's blob service (bench/emulators) storing in `dir`, with a container `container` and an account SAS
 * (read, write, create; computed once by bench/emulators/azure-container.mjs with @azure/storage-blob) that every
 * Put Blob and Get Blob carries as its query: the load generator signs nothing per request.
 */
export async function startAzurite(dir: string, container = 'bench'): Promise<Service & { base: string; sas: string }> {
  const port = await freePort();
  const s = await service(
    'azurite',
    process.execPath,
    [
      join(EMULATORS, 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js'),
      ...['--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', dir, '--silent', '--skipApiVersionCheck', '--loose'],
    ],
    port,
  );
  try {
    const endpoint = `http://127.0.0.1:${port}/devstoreaccount1`;
    const { stdout } = await run(process.execPath, [join(EMULATORS, 'azure-container.mjs'), endpoint, container], { cwd: EMULATORS });
    return { ...s, base: `/devstoreaccount1/${container}/`, sas: stdout.trim() };
  } catch (e) {
    await s.stop();
    throw e;
  }
}

/**
 * nginx (Debian's) as the absolute ceiling: one worker process, WebDAV PUT into `<dir>/media/` (nginx writes the
 * body to a temp file and renames it in; it does not fsync) and static GET with sendfile, no access log.
 */
export async function startNginx(dir: string): Promise<Service> {
  const port = await freePort();
  await mkdir(join(dir, 'media'), { recursive: true });
  await mkdir(join(dir, 'logs'), { recursive: true });
  const conf = join(dir, 'nginx.conf');
  await writeFile(
    conf,
    `daemon off;
master_process on;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'logs', 'error.log')} warn;
${process.getuid?.() === 0 ? 'user root root;' : ''}
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 10000000;
  client_max_body_size 20m;
  client_body_temp_path ${join(dir, 'body-temp')};
  server {
    listen 127.0.0.1:${port};
    location /media/ {
      root ${dir};
      dav_methods PUT;
      create_full_put_path on;
      default_type image/jpeg;
    }
  }
}
`,
  );
  // SIGQUIT: graceful shutdown of the master and its worker.
  return service('nginx', 'nginx', ['-p', dir, '-e', join(dir, 'logs', 'error.log'), '-c', conf], port, 'SIGQUIT');
}

/** The PIDs of `pid` and all its descendants. */
export async function processTree(pid: number): Promise<number[]> {
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').then(
    (t) => t.trim().split(/\s+/).filter(Boolean).map(Number),
    () => [],
  );
  return [pid, ...(await Promise.all(children.map(processTree))).flat()];
}

/** Pins `pid`, every thread of it and every descendant process to `cpus` (a taskset list, e.g. "0" or "0,1"). */
export async function pinTree(pid: number, cpus: string): Promise<void> {
  for (const p of await processTree(pid)) await run('taskset', ['-a', '-p', '-c', cpus, String(p)]).catch(() => undefined);
}

/** Every CPU of the machine, as a taskset list. */
export function allCpus(): string {
  return `0-${cpus().length - 1}`;
}

/**
 * Writes every dirty page of the machine to disk (`sync`) and waits for it. Servers that do not fsync (s3rver,
 * Azurite, nginx, and every server's prefill) leave the kernel hundreds of MB to write back later, and whichever
 * server is measured while that happens sees its own fsyncs wait behind it: done before each measured phase, every
 * server starts from the same, clean disk.
 */
export async function flushDisks(): Promise<void> {
  await run('sync', []);
}

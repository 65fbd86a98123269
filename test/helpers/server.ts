/**
 * Starting and stopping a wxmedia server for end-to-end tests, over real sockets.
 *
 *   const s = await startServer();              // in process, own temp data dir, one test app, 127.0.0.1:<free port>
 *   const token = await s.token();              // GET /cgi-bin/token for the first app
 *   const r = await uploadMedia(s.url, token, { filename: 'a.jpg', bytes: jpeg() });
 *   await s.stop();                             // closes the server, removes the data dir (unless keepData)
 *
 *   const c = await startCli({ dataDir });      // `node packages/cli/bin/wxmedia.js serve …` as a child process
 *   c.pid; await c.kill9(); await c.stop();     // signals only this child, by its PID
 *
 * Every helper cleans up only what it made: its own temp dir, its own child PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type ServerOptions, type WxMediaServer } from '@wxmedia/server';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI_BIN = join(REPO_ROOT, 'packages', 'cli', 'bin', 'wxmedia.js');

export interface TestApp {
  readonly appid: string;
  readonly secret: string;
}

/** Two mini-program apps most tests need (the second for "another app's media" cases). */
export const TEST_APPS: readonly [TestApp, TestApp] = [
  { appid: 'wxtest00000000001', secret: 'test-secret-0001-abcdefgh' },
  { appid: 'wxtest00000000002', secret: 'test-secret-0002-abcdefgh' },
];

/** A fresh directory under os.tmpdir(); `cleanup()` removes it. */
export async function tempDir(prefix = 'wxmedia-test-'): Promise<{ path: string; cleanup(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

// ---------------------------------------------------------------------------------------------- in process

export interface InProcessServer {
  readonly server: WxMediaServer;
  /** e.g. `http://127.0.0.1:40123` */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly apps: readonly TestApp[];
  /** A new access_token from GET /cgi-bin/token (default: the first app). */
  token(app?: TestApp): Promise<string>;
  /** Closes the server and removes the data dir it created (a dataDir passed in is kept). */
  stop(): Promise<void>;
}

export type StartServerOptions = Partial<Omit<ServerOptions, 'apps'>> & { readonly apps?: readonly TestApp[] };

export async function startServer(options: StartServerOptions = {}): Promise<InProcessServer> {
  const own = options.dataDir === undefined ? await tempDir() : undefined;
  const dataDir = options.dataDir ?? own!.path;
  const apps = options.apps ?? TEST_APPS;
  const server = await createServer({ logLevel: 'silent', ...options, dataDir, apps });
  const { url } = await server.listen({ host: '127.0.0.1', port: 0 });
  return {
    server,
    url,
    port: Number(new URL(url).port),
    dataDir,
    apps,
    token: (app = apps[0]!) => fetchToken(url, app),
    async stop() {
      await server.close();
      await own?.cleanup();
    },
  };
}

// ------------------------------------------------------------------------------------------------ CLI child

export interface CliServer {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  readonly dataDir: string;
  readonly apps: readonly TestApp[];
  token(app?: TestApp): Promise<string>;
  /** Resolves when the child has exited (with its code or signal). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL this child (by PID) and wait for it to be gone. */
  kill9(): Promise<void>;
  /** SIGTERM (graceful), then SIGKILL if it has not exited after `graceMs`; waits for exit. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartCliOptions {
  readonly dataDir: string;
  readonly apps?: readonly TestApp[];
  /** Extra `serve` flags. */
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

/** Spawns `wxmedia serve --port 0` on 127.0.0.1 and resolves once it printed its URL and /healthz answers 200. */
export async function startCli(options: StartCliOptions): Promise<CliServer> {
  const apps = options.apps ?? TEST_APPS;
  const args = [CLI_BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--data', options.dataDir, '--log-level', 'silent'];
  for (const app of apps) args.push('--app', `${app.appid}:${app.secret}`);
  args.push(...(options.args ?? []));
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('wxmedia serve did not start');
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.once('exit', (code, signal) => res({ code, signal }));
  });
  let output = '';
  const url = await new Promise<string>((res, rej) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /wxmedia listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        child.stdout!.off('data', onData);
        res(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then(({ code, signal }) => rej(new Error(`wxmedia serve exited (${code ?? signal}) before listening:\n${output}`)));
  });
  // Keep the pipes drained so the child never blocks on a full pipe.
  child.stdout!.resume();
  child.stderr!.resume();
  await waitHealthy(url);

  let gone = false;
  void exited.then(() => (gone = true));
  const signal = (sig: NodeJS.Signals) => {
    if (!gone) process.kill(pid, sig);
  };
  return {
    child,
    pid,
    url,
    dataDir: options.dataDir,
    apps,
    exited,
    token: (app = apps[0]!) => fetchToken(url, app),
    async kill9() {
      signal('SIGKILL');
      await exited;
    },
    async stop(graceMs = 10_000) {
      if (gone) return;
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls GET /healthz until 200 (a readiness wait, not a timing assertion). */
export async function waitHealthy(url: string, attempts = 200): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${url}/healthz`);
      await r.arrayBuffer();
      if (r.status === 200) return;
    } catch (e) {
      if (i >= attempts) throw e;
    }
    if (i >= attempts) throw new Error(`${url}/healthz never answered 200`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------------------------------------------------------------------------------------------- API calls

export async function fetchToken(url: string, app: TestApp): Promise<string> {
  const q = new URLSearchParams({ grant_type: 'client_credential', appid: app.appid, secret: app.secret });
  const r = await fetch(`${url}/cgi-bin/token?${q}`);
  const body = (await r.json()) as { access_token?: string; errcode?: number; errmsg?: string };
  if (!body.access_token) throw new Error(`token: ${JSON.stringify(body)}`);
  return body.access_token;
}

export interface UploadReplyBody {
  errcode: number;
  errmsg: string;
  type?: string;
  media_id?: string;
  created_at?: number;
}

/** POST /cgi-bin/media/upload with one `media` part (built by hand, so tests control every byte). */
export async function uploadMedia(
  url: string,
  token: string,
  file: { filename: string; bytes: Uint8Array; contentType?: string; type?: string },
): Promise<UploadReplyBody> {
  const boundary = `----wxmediatest${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="${file.filename}"\r\n` +
      `Content-Type: ${file.contentType ?? 'application/octet-stream'}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const q = new URLSearchParams({ access_token: token, type: file.type ?? 'image' });
  const r = await fetch(`${url}/cgi-bin/media/upload?${q}`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: Buffer.concat([head, file.bytes, tail]),
  });
  return (await r.json()) as UploadReplyBody;
}

/** GET /cgi-bin/media/get: status, headers and the whole body. */
export async function getMedia(url: string, token: string, mediaId: string): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const q = new URLSearchParams({ access_token: token, media_id: mediaId });
  const r = await fetch(`${url}/cgi-bin/media/get?${q}`);
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}

// ------------------------------------------------------------------------------------------- data dir checks

/** Every file under `dir` (recursive), as paths relative to it, sorted; [] when `dir` does not exist. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(relative(dir, p));
    }
  };
  await walk(dir);
  return out.sort();
}

/** What a bad request may not leave behind: the files under `media/` and `staging/` of a data dir. */
export async function storedFiles(dataDir: string): Promise<{ media: string[]; staging: string[] }> {
  return { media: await listFiles(join(dataDir, 'media')), staging: await listFiles(join(dataDir, 'staging')) };
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

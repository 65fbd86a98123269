/**
 * The one server harness of the test suite: a real wxmedia server for a test, over real sockets.
 *
 *   const s = await startServer();             // in process: its own temp data dir, the test apps, a ManualClock,
 *                                              // 127.0.0.1:<free port>, storage chosen by test/helpers/storage.ts
 *   const token = await s.token();             // GET /cgi-bin/token for APP
 *   const r = await s.upload(token, png());    // POST /cgi-bin/media/upload (also: uploadMedia(url, token, …))
 *   s.clock.advance(7200); s.logs(); s.server.app.inject(…)
 *   await s.stop();                            // closes the server, disposes of its stores, removes its data dir
 *
 *   const c = await startCli({ dataDir });     // `node packages/cli/bin/wxmedia.js serve …` as a child process
 *   c.pid; await c.kill9(); await c.stop();    // signals only this child, by its PID
 *
 * Every helper cleans up only what it made: its own temp dir, its own stores, its own child PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { ManualClock, createServer, type AppKind, type BlobStore, type ControllableClock, type ServerOptions, type StateStore, type WxMediaServer } from '@wxmedia/server';
import { chosenBlobBackend, chosenStateBackend, type TestBlobBackend } from './storage.ts';
import { CLI_BIN, REPO_ROOT, tempDir } from './files.ts';

export { CLI_BIN, REPO_ROOT, exists, tempDir, listFiles } from './files.ts';

export interface TestApp {
  readonly appid: string;
  readonly secret: string;
  readonly kind?: AppKind;
}

/** The app most tests act as. */
export const APP = { appid: 'wxtest00000000001', secret: 'test-secret-0001-abcdefgh' } as const satisfies TestApp;
/** A second mini program, for "another app's media" cases. */
export const OTHER = { appid: 'wxtest00000000002', secret: 'test-secret-0002-abcdefgh' } as const satisfies TestApp;
/** An official account: may also upload voice, video and thumb. */
export const OFFICIAL = { appid: 'wxtest00000000003', secret: 'test-secret-0003-abcdefgh', kind: 'official' } as const satisfies TestApp;
/** Every server starts with these unless a test gives its own. */
export const TEST_APPS: readonly [TestApp, TestApp, TestApp] = [APP, OTHER, OFFICIAL];

/**
 * Where every ManualClock starts: 2026-11-22 12:00 Beijing time, twelve hours from either end of its quota day, so a
 * test that moves the clock by hours stays within one day.
 */
export const TEST_START_MS = Date.UTC(2026, 10, 22, 4, 0, 0);

// ---------------------------------------------------------------------------------------------- in process

export interface InProcessServer {
  readonly server: WxMediaServer;
  /** e.g. `http://127.0.0.1:40123` */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly apps: readonly TestApp[];
  /** The server's clock: a ManualClock at TEST_START_MS unless the test gave another; it moves when the test moves it. */
  readonly clock: ControllableClock;
  /** The server's blob storage, seen through a handle of the test's own (storage.ts), or the store the test passed. */
  readonly blobs: BlobStore;
  /** How the server's overview names its stores (storage.ts); anything, for a store the test passed in. */
  readonly overviewNames: { readonly blobs: RegExp; readonly state: RegExp };
  /** What unfinished writes left on the blob store's medium (storage.ts); [] for a store the test passed in. */
  leftovers(): Promise<string[]>;
  /** The ids of every committed media, newest first, through the BlobStore contract. */
  mediaIds(): Promise<string[]>;
  /** Every log line the server wrote so far (pino JSON), tokens and secrets already redacted by the server. */
  logs(): string;
  /** A new access_token from GET /cgi-bin/token (default: the first app). */
  token(app?: TestApp): Promise<string>;
  /** Uploads one file (default `a.png`, type image) with the given token; the reply body. */
  upload(token: string, bytes: Uint8Array, options?: { filename?: string; type?: string }): Promise<UploadReplyBody>;
  /** Closes the server, disposes of its stores and removes the data dir it created (a dataDir passed in is kept). */
  stop(): Promise<void>;
}

/**
 * Server options; a `blobStore` or `stateStore` given here replaces the run's chosen back end (a flaky wrapper, say,
 * or one state store several instances share: a store object or a `--state-store` spec). The log is always the
 * harness's own (`logs()`, log-capture.ts), at `logLevel` (default debug).
 */
export type StartServerOptions = Partial<Omit<ServerOptions, 'apps' | 'clock' | 'logger' | 'blobStore' | 'stateStore'>> & {
  readonly blobStore?: BlobStore;
  readonly stateStore?: StateStore | string;
  readonly apps?: readonly TestApp[];
  /** E.g. an OffsetClock, for a server that runs with real time (and that the admin API may still move). */
  readonly clock?: ControllableClock;
  /**
   * Back ends by registry name (storage.ts) instead of the run's choice, for a test about one of them: e.g.
   * `{ blob: 'file', state: 'lmdb' }` for what the server writes under its data directory.
   */
  readonly backends?: { readonly blob?: string; readonly state?: string };
};

const EVERYTHING = 1_000_000;

export async function startServer(options: StartServerOptions = {}): Promise<InProcessServer> {
  const own = options.dataDir === undefined ? await tempDir() : undefined;
  const dataDir = options.dataDir ?? own!.path;
  const apps = options.apps ?? TEST_APPS;
  const clock = options.clock ?? new ManualClock(TEST_START_MS);
  const chosenState = options.stateStore ? undefined : await chosenStateBackend({ dataDir }, options.backends?.state);
  const chosenBlob = options.blobStore ? undefined : await chosenBlobBackend({ dataDir }, options.backends?.blob);
  // The test's own look at the blobs: a handle on the chosen back end's storage, or the store the test gave.
  const blob: Pick<TestBlobBackend, 'store' | 'leftovers'> = chosenBlob ?? { store: options.blobStore!, leftovers: async () => [] };
  let logText = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logText += String(chunk);
      done();
    },
  });
  const dispose = async () => {
    await chosenBlob?.dispose();
    await chosenState?.dispose();
    await own?.cleanup();
  };
  let server: WxMediaServer;
  let url: string;
  try {
    const { backends: _backends, ...serverOptions } = options;
    server = await createServer({
      ...serverOptions,
      dataDir,
      apps,
      clock,
      blobStore: chosenBlob?.spec ?? options.blobStore!,
      stateStore: chosenState?.spec ?? options.stateStore!,
      logger: pino({ level: options.logLevel ?? 'debug' }, sink),
    });
    ({ url } = await server.listen({ host: '127.0.0.1', port: 0 }));
  } catch (e) {
    await dispose();
    throw e;
  }
  return {
    server,
    url,
    port: Number(new URL(url).port),
    dataDir,
    apps,
    clock,
    blobs: blob.store,
    overviewNames: { blobs: chosenBlob?.overviewName ?? /./, state: chosenState?.overviewName ?? /./ },
    leftovers: () => blob.leftovers(),
    mediaIds: async () => (await blob.store.list({ limit: EVERYTHING })).map((b) => b.id),
    logs: () => logText,
    token: (app = apps[0]!) => fetchToken(url, app),
    upload: (token, bytes, { filename = 'a.png', type = 'image' } = {}) => uploadMedia(url, token, { filename, bytes, type }),
    async stop() {
      await server.close();
      await dispose();
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
  /** Everything it printed so far, stdout and stderr (the log, when `--log-level` is given in `args`). */
  output(): string;
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
  // Kept whole (the pipes stay drained, so the child never blocks on a full one); tests log little.
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((res, rej) => {
    const onData = () => {
      const m = /wxmedia listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        child.stdout!.off('data', onData);
        res(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then(({ code, signal }) => rej(new Error(`wxmedia serve exited (${code ?? signal}) before listening:\n${output}`)));
  });
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
    output: () => output,
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

/** An upload reply: WeChat's fields, and whatever else the server sent. */
export interface UploadReplyBody {
  readonly [field: string]: unknown;
  readonly errcode: number;
  readonly errmsg: string;
  readonly type?: string;
  readonly media_id?: string;
  readonly thumb_media_id?: string;
  readonly created_at?: number;
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

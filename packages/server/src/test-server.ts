import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OffsetClock, systemClock, type Clock } from './clock.ts';
import type { AppConfig, ServerOptions } from './config.ts';
import { createServer, type WxMediaServer } from './server.ts';

/**
 * A wxmedia server for another project's tests, started the way emulators such as Azurite or LocalStack are
 * embedded: on a free port, with its own temporary data directory, silent, and with a clock the test moves.
 *
 *   const wechat = await startTestServer({ apps: [{ appid: 'wx0123456789abcdef', secret: 'test-secret-1' }] });
 *   // point the code under test at wechat.url instead of https://api.weixin.qq.com
 *   wechat.advanceClock(7200);   // every token issued so far is now expired (42001)
 *   await wechat.close();        // stops the server and deletes its data directory
 *
 * docs/testing.md has node:test, Vitest and Jest examples.
 */
export interface TestServerOptions extends Partial<Omit<ServerOptions, 'clock' | 'timeTravel'>> {
  /**
   * The apps to serve. Default: one development app with a generated appid and secret (read them from `apps`).
   */
  readonly apps?: readonly AppConfig[];
  /**
   * The clock behind every expiry. Default: real time plus whatever `advanceClock` added. Pass a `ManualClock` for
   * time that stands still until the test moves it.
   */
  readonly clock?: Clock & { advance?(seconds: number): void };
  /** Default: a new directory under the OS temp dir, deleted by `close()`. A directory given here is kept. */
  readonly dataDir?: string;
  /** Default `127.0.0.1`. */
  readonly host?: string;
  /** Default 0: any free port (read it from `url`). */
  readonly port?: number;
}

export interface TestServer {
  /** e.g. `http://127.0.0.1:41234`: the base URL to give the code under test in place of `https://api.weixin.qq.com`. */
  readonly url: string;
  /**
   * The apps served, with their secrets (the generated development app when none were given): never empty, so
   * `const [{ appid, secret }] = wechat.apps` type-checks under `noUncheckedIndexedAccess` too.
   */
  readonly apps: readonly [Required<AppConfig>, ...Required<AppConfig>[]];
  /** Bearer key of the admin API (`/wxmedia/admin/*`). */
  readonly adminKey: string;
  /** Where the server keeps its media and state (and `admin.key`). */
  readonly dataDir: string;
  readonly clock: Clock;
  /** The server itself, for what this interface leaves out (`sweepNow()`, the Fastify `app` for `inject`). */
  readonly server: WxMediaServer;
  /** Moves the server's time forward: tokens expire after 7200 s (42001), media after 259 200 s (40007). */
  advanceClock(seconds: number): void;
  /** Stops the server (in-flight requests finish) and deletes the data directory it made. */
  close(): Promise<void>;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const { host = '127.0.0.1', port = 0, clock = new OffsetClock(systemClock), dataDir: givenDir, ...rest } = options;
  const ownDir = givenDir === undefined ? await mkdtemp(join(tmpdir(), 'wxmedia-test-')) : undefined;
  const dataDir = givenDir ?? ownDir!;
  let server: WxMediaServer;
  try {
    server = await createServer({ logLevel: 'silent', ...rest, dataDir, clock, timeTravel: true });
  } catch (e) {
    if (ownDir) await rm(ownDir, { recursive: true, force: true });
    throw e;
  }
  let url: string;
  try {
    ({ url } = await server.listen({ host, port }));
  } catch (e) {
    await server.close();
    if (ownDir) await rm(ownDir, { recursive: true, force: true });
    throw e;
  }
  const [first, ...others] = options.apps?.length
    ? options.apps.map((a) => ({ appid: a.appid, secret: a.secret, kind: a.kind ?? 'miniprogram' }))
    : server.devApp
      ? [{ appid: server.devApp.appid, secret: server.devApp.secret, kind: server.devApp.kind }]
      : [];
  // createServer makes a development app whenever none is configured, so there is always a first one.
  if (!first) {
    await server.close();
    if (ownDir) await rm(ownDir, { recursive: true, force: true });
    throw new Error('startTestServer: the server has no app');
  }
  const apps: TestServer['apps'] = [first, ...others];
  let closed = false;
  return {
    url,
    apps,
    adminKey: server.adminKey,
    dataDir,
    clock,
    server,
    advanceClock(seconds) {
      if (typeof clock.advance !== 'function') throw new TypeError('advanceClock needs a clock with advance(seconds), such as ManualClock');
      if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`advanceClock(${seconds}): time only moves forward`);
      clock.advance(seconds);
    },
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      if (ownDir) await rm(ownDir, { recursive: true, force: true });
    },
  };
}

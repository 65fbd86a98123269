/**
 * A pino logger whose lines a test can read back: `const log = captureLog(); createServer({ logger: log.logger })`,
 * then `log.lines()` (parsed JSON objects) or `log.text()` (raw, for "this string never appears" checks).
 */
import { Writable } from 'node:stream';
import { after, before } from 'node:test';
import { pino, type Logger } from 'pino';
import { startServer, type InProcessServer, type StartServerOptions } from './server.ts';

export interface LogLine {
  readonly level: number;
  readonly msg?: string;
  readonly [field: string]: unknown;
}

export interface CapturedLog {
  readonly logger: Logger;
  text(): string;
  lines(): LogLine[];
}

/** pino's level numbers. */
export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

export function captureLog(level = 'debug'): CapturedLog {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    logger: pino({ level }, sink),
    text: () => text,
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as LogLine),
  };
}

/**
 * One server per test file, with its log captured: started before the file's tests (with a token for the first app),
 * stopped after them. `const f = serverWithLog({ maxConnections: 3 })`, then `f.server.url`, `f.token`, `f.log`.
 */
export function serverWithLog(options: StartServerOptions = {}, level = 'debug'): { readonly log: CapturedLog; readonly server: InProcessServer; readonly token: string } {
  const log = captureLog(level);
  let server: InProcessServer | undefined;
  let token = '';
  before(async () => {
    server = await startServer({ ...options, logger: log.logger });
    token = await server.token();
  });
  after(() => server?.stop());
  return {
    log,
    get server() {
      if (!server) throw new Error('serverWithLog: the server starts in before()');
      return server;
    },
    get token() {
      return token;
    },
  };
}

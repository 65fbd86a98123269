/**
 * Reading back what a test server logged. Every server the harness (server.ts) starts writes its pino JSON lines
 * where the test can read them (`s.logs()`); this gives them as parsed lines:
 *
 *   const s = await startServer({ logLevel: 'info' }); const log = logOf(s);
 *   log.lines() (parsed JSON objects), log.text() (raw, for "this string never appears" checks)
 */
import { after, before } from 'node:test';
import { startServer, type InProcessServer, type StartServerOptions } from './server.ts';

export interface LogLine {
  readonly level: number;
  readonly msg?: string;
  readonly [field: string]: unknown;
}

export interface CapturedLog {
  text(): string;
  lines(): LogLine[];
}

/** pino's level numbers. */
export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

/** The log of a harness server, as it is when asked. */
export function logOf(server: Pick<InProcessServer, 'logs'>): CapturedLog {
  return {
    text: () => server.logs(),
    lines: () =>
      server
        .logs()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as LogLine),
  };
}

/**
 * One server per test file, its log read back: started before the file's tests (with a token for the first app),
 * stopped after them. `const f = serverWithLog({ maxConnections: 3 })`, then `f.server.url`, `f.token`, `f.log`.
 */
export function serverWithLog(options: StartServerOptions = {}, level = 'debug'): { readonly log: CapturedLog; readonly server: InProcessServer; readonly token: string } {
  let server: InProcessServer | undefined;
  let token = '';
  before(async () => {
    server = await startServer({ logLevel: level, ...options });
    token = await server.token();
  });
  after(() => server?.stop());
  return {
    log: logOf({ logs: () => server?.logs() ?? '' }),
    get server() {
      if (!server) throw new Error('serverWithLog: the server starts in before()');
      return server;
    },
    get token() {
      return token;
    },
  };
}

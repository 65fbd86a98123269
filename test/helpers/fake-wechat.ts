import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Captured {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

export type Handler = (req: Captured, res: ServerResponse, attempt: number) => void;

/**
 * A tiny node:http server that plays WeChat for wire-level unit tests: each request is captured whole and answered
 * by the test's handler, which can also misbehave (destroy the socket, never answer).
 */
export async function fakeWeChat(handler: Handler): Promise<{ url: string; requests: Captured[]; close(): Promise<void> }> {
  const requests: Captured[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const captured = { method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(captured);
      handler(captured, res, requests.filter((r) => r.path === captured.path).length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, body: object, contentType = 'application/json'): void {
  res.writeHead(200, { 'content-type': contentType });
  res.end(JSON.stringify(body));
}

/** Answers the token endpoints with a fixed token; returns true when it did. */
export function answerTokens(req: Captured, res: ServerResponse, token = 'TOKEN-abc_123-xyz-0000000000000000000000000'): boolean {
  if (req.path === '/cgi-bin/stable_token' || req.path === '/cgi-bin/token') {
    json(res, { access_token: token, expires_in: 7200 });
    return true;
  }
  return false;
}

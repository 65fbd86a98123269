import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { NetworkError, TimeoutError } from './errors.ts';
import type { Transport, TransportRequest } from './transport.ts';

/** The time limits a suite case needs the transport to enforce (short, so the cases stay quick). */
export interface TransportTimeouts {
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
}

export interface TransportConformanceOptions {
  /** Case name → why this transport cannot pass it. A name that matches no case fails the suite. */
  readonly skip?: Partial<Record<string, string>>;
}

const TIMEOUTS: TransportTimeouts = { headersTimeoutMs: 300, bodyTimeoutMs: 300 };
const TOKEN = 'SeCrEt-token_with-dashes-0123456789abcdef';
const CONTEXT = { api: 'conformance' } as const;

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

/**
 * The one test suite every Transport passes (stripe-node runs one suite over each of its HTTP clients): what it
 * sends, what it hands back, and which SDK error each way of failing becomes — the retry policy relies on
 * `reachedServer`, the readers on body failures arriving as NetworkError / TimeoutError. `factory` makes a transport
 * with the given time limits. Call it at the top level of a `*.test.ts` file.
 */
export function transportConformance(name: string, factory: (timeouts: TransportTimeouts) => Transport, options: TransportConformanceOptions = {}): void {
  const skip = options.skip ?? {};
  const names: string[] = [];
  let server: Server;
  let base: string;
  let handler: Handler = (_req, res) => res.end();
  const sockets = new Set<Socket>();

  const test = (title: string, body: (transport: Transport) => Promise<void>): void => {
    names.push(title);
    it(title, { skip: skip[title] ?? false }, async () => {
      const transport = factory(TIMEOUTS);
      try {
        await body(transport);
      } finally {
        await transport.close?.();
      }
    });
  };
  const request = (overrides: Partial<TransportRequest> = {}): TransportRequest => ({
    method: 'GET',
    url: `${base}/cgi-bin/media/get?access_token=${TOKEN}&media_id=M`,
    headers: {},
    ...overrides,
  });

  describe(`Transport conformance: ${name}`, () => {
    before(async () => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => handler(req, res, Buffer.concat(chunks)));
      });
      server.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    test('sends the method, URL, headers and body; hands back the status, lower-case headers and the body', async (transport) => {
      let seen: { method?: string; url?: string; header?: string | string[]; body?: string } = {};
      handler = (req, res, body) => {
        seen = { ...(req.method ? { method: req.method } : {}), ...(req.url ? { url: req.url } : {}), header: req.headers['x-wxmedia-test'] ?? '', body: body.toString() };
        res.writeHead(201, { 'Content-Type': 'text/plain', 'X-Reply': 'yes' });
        res.end('reply body');
      };
      for (const body of ['{"a":1}', Buffer.from('{"a":1}'), Readable.from([Buffer.from('{"a":'), Buffer.from('1}')])]) {
        const res = await transport.request(request({ method: 'POST', headers: { 'x-wxmedia-test': 'v', 'content-type': 'application/json' }, body }), CONTEXT);
        assert.equal(res.status, 201);
        assert.equal(res.headers['content-type'], 'text/plain');
        assert.equal(res.headers['x-reply'], 'yes');
        assert.equal(await text(res.body), 'reply body');
        assert.deepEqual(seen, { method: 'POST', url: `/cgi-bin/media/get?access_token=${TOKEN}&media_id=M`, header: 'v', body: '{"a":1}' });
      }
    });

    test('closeConnection: each request on a connection of its own, which the server is asked to close', async (transport) => {
      const seen: { socket: Socket; connection: string | undefined }[] = [];
      handler = (req, res) => {
        seen.push({ socket: req.socket, connection: req.headers.connection });
        res.end('ok');
      };
      for (let i = 0; i < 2; i++) assert.equal(await text((await transport.request(request({ closeConnection: true }), CONTEXT)).body), 'ok');
      assert.deepEqual(
        seen.map((s) => s.connection?.toLowerCase()),
        ['close', 'close'],
        'Connection: close (RFC 9112 §9.6), so no unread body can stall a request queued behind it',
      );
      assert.notEqual(seen[0]?.socket, seen[1]?.socket);
    });

    test('a refused connection is a NetworkError that never reached the server', async (transport) => {
      const closed = await closedPort();
      await assert.rejects(transport.request(request({ url: `http://127.0.0.1:${closed}/cgi-bin/token?secret=${TOKEN}` }), CONTEXT), (e: unknown) => {
        assert.ok(e instanceof NetworkError, String(e));
        assert.equal(e.reachedServer, false);
        assert.equal(e.code, 'ECONNREFUSED');
        assert.equal(e.api, CONTEXT.api);
        return true;
      });
    });

    test('a connection reset after the request arrived is a NetworkError that reached the server', async (transport) => {
      handler = (req) => req.socket.destroy();
      await assert.rejects(transport.request(request({ method: 'POST', body: 'x' }), CONTEXT), (e: unknown) => e instanceof NetworkError && e.reachedServer);
    });

    test('no response headers in time is a TimeoutError (headers) that reached the server', async (transport) => {
      handler = () => undefined;
      await assert.rejects(transport.request(request(), CONTEXT), (e: unknown) => e instanceof TimeoutError && e.phase === 'headers' && e.reachedServer);
    });

    test('a body that stops arriving fails its reader with a TimeoutError (body)', async (transport) => {
      handler = (_req, res) => {
        res.writeHead(200, { 'Content-Length': '100' });
        res.write('half');
      };
      const res = await transport.request(request(), CONTEXT);
      await assert.rejects(text(res.body), (e: unknown) => e instanceof TimeoutError && e.phase === 'body');
    });

    test('a connection lost mid-body fails its reader with a NetworkError that reached the server', async (transport) => {
      handler = (_req, res) => {
        res.writeHead(200, { 'Content-Length': '100' });
        res.write('half', () => res.socket?.destroy());
      };
      const res = await transport.request(request(), CONTEXT);
      await assert.rejects(text(res.body), (e: unknown) => e instanceof NetworkError && e.reachedServer);
    });

    test('an aborted signal rejects with its AbortError, not a network failure', async (transport) => {
      handler = () => undefined;
      const controller = new AbortController();
      const pending = transport.request(request({ signal: controller.signal }), CONTEXT);
      setTimeout(() => controller.abort(), 20);
      await assert.rejects(pending, (e: unknown) => e instanceof Error && e.name === 'AbortError' && !(e instanceof NetworkError));
    });

    test('error messages never carry the access_token or secret of the URL', async (transport) => {
      handler = (req) => req.socket.destroy();
      const closed = await closedPort();
      for (const url of [`${base}/cgi-bin/media/get?access_token=${TOKEN}`, `http://127.0.0.1:${closed}/cgi-bin/token?appid=wx1&secret=${TOKEN}`]) {
        await assert.rejects(transport.request(request({ url }), CONTEXT), (e: unknown) => {
          const err = e as Error;
          assert.ok(!`${err.message} ${err.stack ?? ''} ${JSON.stringify(err)}`.includes(TOKEN), err.message);
          return true;
        });
      }
    });

    it('every skipped case exists', () => {
      const unknown = Object.keys(skip).filter((title) => !names.includes(title));
      assert.deepEqual(unknown, [], 'skip names a case this suite does not have');
    });
  });
}

async function text(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString();
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/**
 * HTTP/1.1 by hand over `node:net`, for requests no well-behaved client would send: broken multipart, lying
 * Content-Length, oversized headers, bodies cut off mid-file, clients that vanish.
 *
 *   const r = await rawRequest(port, [head, body]);   // writes the pieces, reads until the server closes
 *   r.status; r.headerLines; r.json()
 *
 * Requests should say `Connection: close` (rawHead() does), so the reply ends when the server closes.
 */
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  readonly status: number;
  readonly statusLine: string;
  /** Header lines exactly as sent (`Name: value`). */
  readonly headerLines: readonly string[];
  /** Lower-cased name → value (last wins). */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
  json(): Record<string, unknown>;
}

export interface RawOptions {
  /** Pause between pieces (a slow client). */
  readonly pauseMs?: number;
  /**
   * After writing: `keep` leaves the write side open (default; the server closes, as `Connection: close` asks),
   * `end` half-closes (sends FIN), `destroy` resets right away.
   */
  readonly after?: 'end' | 'keep' | 'destroy';
  /** Connect from this local address (e.g. `127.0.0.2`: another client, as far as the server can tell). */
  readonly localAddress?: string;
}

/** The request line and headers, `Connection: close` and `Host` included. */
export function rawHead(method: string, target: string, headers: Record<string, string | number> = {}): string {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * Sends `pieces` in order on a new connection to 127.0.0.1:port and resolves with the parsed reply once the server
 * closes the connection (or the full reply arrived), or `undefined` if it closed without answering. Write errors
 * (the server answering early and closing) are expected and ignored.
 */
export function rawRequest(port: number, pieces: ReadonlyArray<string | Uint8Array>, options: RawOptions = {}): Promise<RawResponse | undefined> {
  return new Promise((resolve) => {
    const sock = connect({ port, host: '127.0.0.1', ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      sock.destroy();
      resolve(parseResponse(Buffer.concat(chunks)));
    };
    sock.on('data', (c: Buffer) => {
      chunks.push(c);
      if (isComplete(Buffer.concat(chunks))) finish();
    });
    sock.on('error', () => undefined);
    sock.on('close', finish);
    void (async () => {
      for (const p of pieces) {
        if (sock.destroyed || settled) return;
        await write(sock, p);
        if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
      }
      if (options.after === 'destroy') sock.destroy();
      else if (options.after === 'end') sock.end();
    })();
  });
}

/** Opens a connection, writes `pieces`, then resets it — the client that disappears mid-request. */
export async function rawAbort(port: number, pieces: ReadonlyArray<string | Uint8Array>, pauseMs = 0): Promise<void> {
  await rawRequest(port, pieces, { after: 'destroy', pauseMs });
}

function write(sock: Socket, data: string | Uint8Array): Promise<void> {
  return new Promise((res) => {
    if (sock.destroyed) return res();
    sock.write(data, () => res());
  });
}

/** Drops interim 1xx responses (e.g. `100 Continue`): the final response follows them. */
function withoutInterim(buf: Buffer): Buffer {
  let rest = buf;
  while (/^HTTP\/1\.[01] 1\d\d /.test(rest.subarray(0, 16).toString('latin1'))) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    rest = rest.subarray(end + 4);
  }
  return rest;
}

function isComplete(whole: Buffer): boolean {
  const buf = withoutInterim(whole);
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const head = buf.subarray(0, end).toString('latin1');
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  return m !== null && buf.length >= end + 4 + Number(m[1]);
}

/** The final response in `whole` (interim 1xx responses skipped), or undefined if its head is incomplete. */
export function parseResponse(whole: Buffer): RawResponse | undefined {
  const buf = withoutInterim(whole);
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...headerLines] = buf.subarray(0, end).toString('latin1').split('\r\n');
  const headers = new Map<string, string>();
  for (const line of headerLines) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  let body = buf.subarray(end + 4);
  const length = headers.get('content-length');
  if (length !== undefined) body = body.subarray(0, Number(length));
  else if (headers.get('transfer-encoding')?.toLowerCase() === 'chunked') body = dechunk(body);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? NaN);
  return {
    status,
    statusLine,
    headerLines,
    headers,
    body,
    json: () => JSON.parse(body.toString('utf8')) as Record<string, unknown>,
  };
}

function dechunk(buf: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', i);
    if (lineEnd < 0) break;
    const size = parseInt(buf.subarray(i, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
    i = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(out);
}

// ------------------------------------------------------------------------------------------------- multipart

export interface PartSpec {
  /** The whole Content-Disposition value; default built from name/filename. */
  readonly disposition?: string;
  readonly name?: string;
  readonly filename?: string;
  readonly contentType?: string;
  /** Extra raw header lines, without CRLF. */
  readonly extraHeaders?: readonly string[];
  readonly body: Uint8Array | string;
}

/** A multipart/form-data body; `close: false` leaves out the close delimiter (a truncated body). */
export function multipartBody(boundary: string, parts: readonly PartSpec[], options: { close?: boolean } = {}): Buffer {
  const out: Buffer[] = [];
  for (const p of parts) {
    const disposition =
      p.disposition ?? `form-data; name="${p.name ?? 'media'}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}`;
    const lines = [`--${boundary}`, `Content-Disposition: ${disposition}`];
    if (p.contentType !== undefined) lines.push(`Content-Type: ${p.contentType}`);
    lines.push(...(p.extraHeaders ?? []));
    out.push(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), Buffer.from(p.body), Buffer.from('\r\n'));
  }
  if (options.close !== false) out.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(out);
}

export const BOUNDARY = '----wxmediaBoundary7MA4YWxkTrZu0gW';

import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorEnvelope, type ErrcodeInfo } from '@wxmedia/protocol';

/** How long a closing connection keeps reading (and dropping) what the client still sends. */
const LINGER_MS = 2_000;

export interface RawReply {
  readonly status: number;
  readonly error: Pick<ErrcodeInfo, 'errcode' | 'errmsg'>;
  readonly rid: string;
  readonly contentType: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Replies written straight to a socket, for what never reaches a route: malformed HTTP (400), request headers too
 * large (431) or too slow (408), CONNECT (405), a connection over --max-connections (503). WeChat's envelope with
 * the rid, then the connection closes. `owned` sockets (no HTTP parser attached any more, or never) keep being read
 * for a moment: closing a socket with unread input sends a reset, which can destroy the reply before the client
 * reads it.
 */
export function endWithEnvelope(socket: Duplex, reply: RawReply, options: { owned: boolean }): void {
  socket.on('error', () => undefined);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(errorEnvelope(reply.error, reply.rid));
  const lines = [
    `HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status] ?? 'Error'}`,
    `Content-Type: ${reply.contentType}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...Object.entries(reply.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
  if (options.owned) {
    socket.resume();
    socket.once('end', () => socket.destroy());
  }
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

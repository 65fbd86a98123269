import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * At most `max` open connections. One more is answered 503 (by `refuse`, which writes the reply and closes) without
 * being handed to the HTTP server at all: it costs no parser and no request, and the client hears why instead of
 * seeing its connection dropped (what Node's own `server.maxConnections` does).
 *
 * Node's HTTP server takes connections through its 'connection' listener; this wraps that listener, so it must be
 * installed on a server that has not started listening.
 */
export function limitConnections(server: Server, max: number, refuse: (socket: Socket, open: number) => void): void {
  const accept = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  let open = 0;
  server.on('connection', (socket: Socket) => {
    if (open >= max) {
      refuse(socket, open);
      return;
    }
    open += 1;
    socket.once('close', () => {
      open -= 1;
    });
    for (const listener of accept) listener.call(server, socket);
  });
}

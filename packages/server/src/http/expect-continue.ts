import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * `Expect: 100-continue` done properly: Node answers `100 Continue` before any handler runs, so a client with a bad
 * token or type would upload its whole file before hearing 40014 or 40004. Here the 100 is held back until a route
 * has passed its header-only checks and is about to read the body (continueBody). A request answered without it
 * gets `Connection: close`, since its body was never sent and cannot be skipped on the socket.
 */
const waiting = new WeakMap<IncomingMessage, ServerResponse>();

export function installExpectContinue(server: Server): void {
  server.on('checkContinue', (req, res) => {
    waiting.set(req, res);
    server.emit('request', req, res);
  });
}

/** Lets a waiting client send its body. Call right before reading it. */
export function continueBody(req: IncomingMessage): void {
  const res = waiting.get(req);
  if (!res) return;
  waiting.delete(req);
  if (!res.headersSent && !res.writableEnded) res.writeContinue();
}

/** True when the client is still waiting for `100 Continue` (so its body never came). */
export function bodyWithheld(req: IncomingMessage): boolean {
  return waiting.has(req);
}

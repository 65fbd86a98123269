import { Agent } from 'undici';
import { transportConformance } from './transport.conformance.ts';
import { createUndiciTransport } from './undici-transport.ts';

transportConformance('undici (its own Agent)', (timeouts) => createUndiciTransport(timeouts));

// A dispatcher of the caller's (a ProxyAgent, say): the transport neither owns nor closes it, so the caller does.
transportConformance('undici (a dispatcher of the caller)', (timeouts) => {
  const dispatcher = new Agent({ headersTimeout: timeouts.headersTimeoutMs, bodyTimeout: timeouts.bodyTimeoutMs });
  const transport = createUndiciTransport({ ...timeouts, dispatcher });
  return { request: (req, ctx) => transport.request(req, ctx), close: async () => dispatcher.close() };
});

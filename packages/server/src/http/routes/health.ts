import type { FastifyInstance } from 'fastify';
import type { BlobStore } from '../../storage/blob-store.ts';
import type { StateStore } from '../../storage/state-store.ts';
import { jsonBytes } from '../reply.ts';

/** The longest a readiness check waits for a store before calling it unavailable. */
const STORE_CHECK_MS = 2_000;

/**
 * GET /healthz: readiness. 200 `{"status":"ok","stores":{"blob":"ok","state":"ok"}}` when both stores answer,
 * else 503 with `"unavailable"` for each store that does not (within 2 s): a load balancer sends requests
 * elsewhere until the store is back. Why a store failed goes to the log, not to the unauthenticated caller.
 *
 * GET /healthz/live: liveness. 200 whenever the process serves HTTP, whatever the stores: a dead Redis is no
 * reason to restart an instance, which recovers by itself once Redis is back.
 */
export function healthRoute(app: FastifyInstance, stores: { readonly blobs: BlobStore; readonly state: StateStore }): void {
  app.get('/healthz', async (request, reply) => {
    const [blob, state] = await Promise.all([check(stores.blobs), check(stores.state)]);
    for (const [name, result] of [['blob', blob], ['state', state]] as const) {
      if (result !== 'ok') request.log.warn({ store: name, reason: result.reason }, 'store unavailable');
    }
    const ready = blob === 'ok' && state === 'ok';
    request.wxErrcode = 0;
    return reply
      .code(ready ? 200 : 503)
      .header('content-type', 'application/json; charset=utf-8')
      .send(jsonBytes({ status: ready ? 'ok' : 'unavailable', stores: { blob: label(blob), state: label(state) } }));
  });

  app.get('/healthz/live', async (request, reply) => {
    request.wxErrcode = 0;
    return reply.header('content-type', 'application/json; charset=utf-8').send('{"status":"ok"}');
  });
}

type Checked = 'ok' | { readonly reason: string };

async function check(store: { ping(): Promise<void> }): Promise<Checked> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      store.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${STORE_CHECK_MS} ms`)), STORE_CHECK_MS);
      }),
    ]);
    return 'ok';
  } catch (e) {
    return { reason: String((e as Error).message) };
  } finally {
    clearTimeout(timer);
  }
}

function label(result: Checked): string {
  return result === 'ok' ? 'ok' : 'unavailable';
}

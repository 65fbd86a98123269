import type { FastifyInstance } from 'fastify';
import { ADMIN_PATHS, type ClockState } from '@wxmedia/protocol';
import type { ServerContext } from '../../context.ts';
import { AdminError, jsonBody, ok } from './respond.ts';

/** Latest time `set` accepts (the year 2100): media ids and rids carry 32-bit Unix seconds. */
const MAX_SET_SECONDS = 4_102_444_800;

/**
 * The clock: read it (always), and with `--time-travel` move it — `{"advance": seconds}` forward, `{"set": <Unix
 * seconds or ISO 8601>}` to a given time (earlier included; it runs on from there), `{"reset": true}` back to real
 * time. The moved clock is kept in the state store: it survives a restart and is one clock for every instance.
 */
export function clockRoutes(admin: FastifyInstance, ctx: ServerContext): void {
  admin.get(ADMIN_PATHS.clock, async (request, reply) => {
    await ctx.emulator.sync();
    return ok(request, reply, { clock: clockState(ctx) });
  });

  admin.post(ADMIN_PATHS.clock, async (request, reply) => {
    const control = ctx.clockControl;
    if (!control) throw new AdminError(409, 'time travel is off: start the server with --time-travel');
    const body = await jsonBody(request, '{"advance": seconds} | {"set": unix-seconds | "ISO 8601"} | {"reset": true}');
    const keys = Object.keys(body);
    if (keys.length !== 1) throw new AdminError(400, 'give exactly one of advance, set, reset');
    if ('advance' in body) {
      const seconds = body['advance'];
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) throw new AdminError(400, 'advance must be a number of seconds ≥ 0');
      await control.advance(seconds);
    } else if ('set' in body) {
      await control.set(parseTime(body['set']));
    } else if ('reset' in body) {
      if (body['reset'] !== true) throw new AdminError(400, 'reset must be true');
      await control.reset();
    } else {
      throw new AdminError(400, `unknown field ${JSON.stringify(keys[0])}: give advance, set or reset`);
    }
    return ok(request, reply, { clock: clockState(ctx) });
  });
}

export function clockState(ctx: ServerContext): ClockState {
  const now = ctx.clock.now();
  return {
    now,
    iso: new Date(now).toISOString(),
    offsetSeconds: Math.round((now - Date.now()) / 1000),
    timeTravel: ctx.clockControl !== undefined,
  };
}

/** Unix seconds, or an ISO 8601 date-time with a zone; milliseconds since the epoch. */
function parseTime(value: unknown): number {
  let ms: number;
  if (typeof value === 'number' && Number.isFinite(value)) ms = value * 1000;
  else if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) ms = Date.parse(value);
  else throw new AdminError(400, 'set must be Unix seconds or an ISO 8601 date-time with a zone, e.g. "2030-01-01T00:00:00Z"');
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_SET_SECONDS * 1000) throw new AdminError(400, 'set must be between 1970 and 2100');
  return ms;
}

import type { FastifyRequest } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectionDropped, WxError } from '../errors.ts';
import type { FaultEffect } from '../services/emulator/faults.ts';
import type { ServerContext } from './context.ts';

/**
 * Runs the injected fault that matches this call, once its app is known (after the token or the credentials were
 * checked, before any quota is spent or any work done): waits its latency, then drops the connection or answers
 * its errcode exactly as WeChat would (envelope, Content-Type, rid). Returns normally when no fault fires.
 */
export async function applyFault(request: FastifyRequest, ctx: ServerContext, appid: string): Promise<void> {
  const call = request.wxCall;
  if (!call) return;
  call.appid = appid;
  await runFault(await ctx.faults.fire({ api: call.api, appid }), (id) => (call.fault = id));
}

/** The effect of a fault that fired (shared with the cloud gateway, which answers errors in its own envelope). */
export async function runFault(effect: FaultEffect | undefined, onFire: (id: string) => void): Promise<void> {
  if (!effect) return;
  onFire(effect.id);
  if (effect.latencyMs) await sleep(effect.latencyMs);
  if (effect.drop) throw new ConnectionDropped(effect.id);
  if (effect.error) throw new WxError(effect.error, `injected by fault ${effect.id}`);
}

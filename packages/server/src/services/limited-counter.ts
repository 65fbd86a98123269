import type { StateDurability, StateStore } from '../storage/state-store.ts';

/** A day in milliseconds: how long day-scoped counters are worth keeping (state-store TTLs are clean-up hints). */
export const DAY_MS = 86_400_000;

/**
 * Counts one use of a limited budget (a daily quota, force_refresh calls, clear_quota calls): adds 1 to `key` and,
 * when that goes past `limit`, takes it back and answers false. The counter lives in the state store, so every
 * instance spends one budget, and a refused call is not counted (as WeChat counts only the calls it serves).
 * `durability` is the state store's (state-store.ts): `deferred` for counts on the hot path.
 */
export async function countWithinLimit(
  state: StateStore,
  key: string,
  limit: number,
  ttlMs: number,
  durability: StateDurability = 'disk',
): Promise<boolean> {
  const used = await state.incr(key, { ttlMs, durability });
  if (used <= limit) return true;
  await state.incr(key, { by: -1, durability });
  return false;
}

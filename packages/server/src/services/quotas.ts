import { CLEAR_QUOTA_MONTHLY_LIMIT, QUOTA_PATHS, quotaDay, quotaMonth, type QuotaPath } from '@wxmedia/protocol';
import { nowSeconds, type Clock } from '../clock.ts';
import { WxError } from '../errors.ts';
import type { StateStore } from '../storage/state-store.ts';
import { DAY_MS, countWithinLimit } from './limited-counter.ts';

export interface QuotaStatus {
  readonly daily_limit: number;
  readonly used: number;
  readonly remain: number;
}

/**
 * Daily quotas per app and API (45009 when spent), reset at midnight Beijing time or by clear_quota (10 a month).
 * Counters live in the state store under a key naming their day, so every instance counts together.
 */
export class QuotaService {
  constructor(
    private readonly deps: { state: StateStore; clock: Clock; limits: Readonly<Record<QuotaPath, number>> },
  ) {}

  /** Counts one call; throws 45009 (without counting it) when the day's quota is spent. */
  async charge(appid: string, path: QuotaPath): Promise<void> {
    if (!(await countWithinLimit(this.deps.state, this.key(appid, path), this.deps.limits[path], 2 * DAY_MS))) {
      throw new WxError('DAILY_QUOTA', `${path} quota spent`);
    }
  }

  async status(appid: string, path: QuotaPath): Promise<QuotaStatus> {
    const used = Math.min(Number(await this.deps.state.get(this.key(appid, path))) || 0, this.deps.limits[path]);
    const limit = this.deps.limits[path];
    return { daily_limit: limit, used, remain: limit - used };
  }

  /** clear_quota: resets every counter of the app for today; 48006 past 10 clears this month. */
  async clear(appid: string): Promise<void> {
    const now = nowSeconds(this.deps.clock);
    const monthKey = `quota-clears:${appid}:${quotaMonth(now)}`;
    if (!(await countWithinLimit(this.deps.state, monthKey, CLEAR_QUOTA_MONTHLY_LIMIT, 32 * DAY_MS))) throw new WxError('CLEAR_QUOTA_LIMIT');
    await Promise.all(QUOTA_PATHS.map((p) => this.deps.state.delete(this.key(appid, p))));
  }

  private key(appid: string, path: QuotaPath): string {
    return `quota:${path}:${appid}:${quotaDay(nowSeconds(this.deps.clock))}`;
  }
}

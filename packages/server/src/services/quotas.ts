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
    private readonly deps: {
      state: StateStore;
      clock: Clock;
      limits: Readonly<Record<QuotaPath, number>>;
      /** Told of every call refused with 45009 (metrics). */
      onReject?: (path: QuotaPath) => void;
    },
  ) {}

  /**
   * Counts one call; throws 45009 (without counting it) when the day's quota is spent. Every upload and get is
   * charged, so the count is a `deferred` write: exact across instances, but not waited on to reach the disk (a
   * crash may lose the last milliseconds of counts; docs/deployment.md, "What is durable when").
   */
  async charge(appid: string, path: QuotaPath): Promise<void> {
    if (!(await countWithinLimit(this.deps.state, this.key(appid, path), this.deps.limits[path], 2 * DAY_MS, 'deferred'))) {
      this.deps.onReject?.(path);
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

  /** Today's quota of every API for one app. */
  async statusAll(appid: string): Promise<Record<QuotaPath, QuotaStatus>> {
    const entries = await Promise.all(QUOTA_PATHS.map(async (p) => [p, await this.status(appid, p)] as const));
    return Object.fromEntries(entries) as Record<QuotaPath, QuotaStatus>;
  }

  /** The admin's clear: today's counters back to zero, without spending one of the app's monthly clear_quota calls. */
  async clearToday(appid: string): Promise<void> {
    await Promise.all(QUOTA_PATHS.map((p) => this.deps.state.delete(this.key(appid, p))));
  }

  /** Forgets every quota counter of the app (any day) and its clear_quota count: a reset for test isolation. */
  async forget(appid: string): Promise<void> {
    const keys = [...(await this.deps.state.keys('quota:')), ...(await this.deps.state.keys(`quota-clears:${appid}:`))];
    await Promise.all(keys.filter((k) => k.startsWith('quota-clears:') || k.split(':')[2] === appid).map((k) => this.deps.state.delete(k)));
  }

  private key(appid: string, path: QuotaPath): string {
    return `quota:${path}:${appid}:${quotaDay(nowSeconds(this.deps.clock))}`;
  }
}

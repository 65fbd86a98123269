import {
  FORCE_REFRESH_DAILY_LIMIT,
  FORCE_REFRESH_MIN_INTERVAL_SECONDS,
  TOKEN_OVERLAP_SECONDS,
  TOKEN_TTL_SECONDS,
  mintAccessToken,
  quotaDay,
  type TokenLane,
} from '@wxmedia/protocol';
import type { LaneState } from '@wxmedia/protocol';
import { nowSeconds, type Clock } from '../clock.ts';
import { WxError } from '../errors.ts';
import type { StateStore } from '../storage/state-store.ts';
import type { App, AppRegistry } from './apps.ts';
import { DAY_MS, countWithinLimit } from './limited-counter.ts';
import { verifiedTokens } from './verified-signatures.ts';

/**
 * Access tokens, in two lanes that rotate independently (reference, "Access tokens"):
 * - `token` (/cgi-bin/token): every call mints a new generation; the one it replaces works 5 more minutes.
 * - `stable` (/cgi-bin/stable_token): calls return the current token and its remaining lifetime; a new one is
 *   minted 5 minutes before expiry (so old and new overlap), or at once on force_refresh, which revokes the old.
 *
 * State per lane and app: a generation counter, and per generation its issue time and until when the generation
 * before it stays valid. A generation's record never changes once written, so it is cached forever; the current
 * generation is cached for at most CURRENT_CACHE_MS (other instances on the same state store may rotate: a new
 * token or a force_refresh made there counts here within that time) and re-read whenever a token names a newer one.
 */
interface GenerationRecord {
  readonly issuedAt: number;
  /** The previous generation is accepted while now < this. */
  readonly previousValidUntil: number;
}

export interface IssuedToken {
  readonly accessToken: string;
  readonly expiresIn: number;
}

/** Bound on how stale this instance's idea of an app's current generation may be. */
export const CURRENT_CACHE_MS = 1_000;
/** How long an instance waits for another one's stable_token rotation before rotating itself. */
const STABLE_WAIT_MS = 2_000;
const STABLE_POLL_MS = 25;
const RECORD_CACHE_MAX = 50_000;

export class TokenService {
  readonly #current = new Map<string, { generation: number; readAt: number }>();
  readonly #records = new Map<string, GenerationRecord>();
  /** One stable_token decision at a time per app in this process, so concurrent callers get one token. */
  readonly #stableFlights = new Map<string, Promise<IssuedToken>>();

  constructor(
    private readonly deps: {
      state: StateStore;
      apps: AppRegistry;
      clock: Clock;
      key: Uint8Array;
      /** Told of every token minted (metrics). */
      onIssue?: (lane: TokenLane) => void;
    },
  ) {}

  /** Where a lane of an app stands: its generation, the current token's times, the overlap of the one before. */
  async laneState(appid: string, lane: TokenLane): Promise<LaneState> {
    const generation = await this.currentGeneration(appid, lane, true);
    const record = await this.record(appid, lane, generation);
    if (!record) return { generation };
    return {
      generation,
      issuedAt: record.issuedAt,
      expiresAt: record.issuedAt + TOKEN_TTL_SECONDS,
      previousValidUntil: record.previousValidUntil,
    };
  }

  /**
   * Revokes every token of the app at once, in both lanes (the admin's force refresh, and reset): a new generation
   * that nobody holds yet, with no overlap for the old one. The next stable_token call gets a fresh token.
   */
  async revokeAll(appid: string): Promise<void> {
    const now = nowSeconds(this.deps.clock);
    for (const lane of ['token', 'stable'] as const) await this.rotate(appid, lane, now, now, false);
  }

  /** Forgets the app's force_refresh counters (reset, for test isolation). */
  async forgetLimits(appid: string): Promise<void> {
    const keys = [
      `force-last:${appid}`,
      ...(await this.deps.state.keys(`force-claim:${appid}:`)),
      ...(await this.deps.state.keys(`force-day:${appid}:`)),
    ];
    await Promise.all(keys.map((k) => this.deps.state.delete(k)));
  }

  /** /cgi-bin/token: a new token that replaces the app's previous one. */
  async issue(app: App): Promise<IssuedToken> {
    const now = nowSeconds(this.deps.clock);
    return this.rotate(app.appid, 'token', now, now + TOKEN_OVERLAP_SECONDS);
  }

  /** /cgi-bin/stable_token. */
  async stable(app: App, forceRefresh: boolean): Promise<IssuedToken> {
    const flight = this.#stableFlights.get(app.appid);
    if (flight) {
      // A force_refresh must not be absorbed by a concurrent normal call: wait, then decide afresh.
      if (!forceRefresh) return flight;
      await flight.catch(() => undefined);
    }
    const p = this.decideStable(app.appid, forceRefresh).finally(() => this.#stableFlights.delete(app.appid));
    this.#stableFlights.set(app.appid, p);
    return p;
  }

  /** Checks a token from a request; resolves with its app or throws 40014 / 40001 / 42001. */
  async verify(token: string): Promise<App> {
    // The HMAC is skipped for a token already verified (verified-signatures.ts); everything below runs each time.
    const read = verifiedTokens(this.deps.key).read(token);
    if (!read.ok) throw new WxError(read.reason === 'malformed' ? 'INVALID_ACCESS_TOKEN' : 'INVALID_CREDENTIAL', `token ${read.reason}`);
    const { appid, lane, generation, issuedAt } = read.facts;
    const app = await this.deps.apps.get(appid);
    if (!app) throw new WxError('INVALID_CREDENTIAL', 'token of an unknown app');
    const now = nowSeconds(this.deps.clock);
    if (now >= issuedAt + TOKEN_TTL_SECONDS) throw new WxError('ACCESS_TOKEN_EXPIRED');
    let current = await this.currentGeneration(appid, lane, false);
    if (generation > current) current = await this.currentGeneration(appid, lane, true);
    if (generation === current) {
      // Same generation but another issue time: a token from before the state store was reset.
      const record = await this.record(appid, lane, generation);
      if (record?.issuedAt === issuedAt) return app;
      throw new WxError('INVALID_CREDENTIAL', 'token not issued by this store');
    }
    if (generation < current) {
      const successor = await this.record(appid, lane, generation + 1);
      // No record for the next generation yet: another instance is between counting it and writing its record
      // (rotate()). Nobody holds the new token yet, so this one is still the app's current token.
      if (!successor && generation + 1 === current) return app;
      if (successor && now < successor.previousValidUntil) return app;
      throw new WxError('INVALID_CREDENTIAL', 'token replaced');
    }
    throw new WxError('INVALID_CREDENTIAL', 'token generation unknown');
  }

  private async decideStable(appid: string, forceRefresh: boolean): Promise<IssuedToken> {
    const now = nowSeconds(this.deps.clock);
    if (forceRefresh) {
      await this.chargeForceRefresh(appid, now);
      return this.rotate(appid, 'stable', now, now);
    }
    const generation = await this.currentGeneration(appid, 'stable', true);
    // One read of the record decides both questions below. Two reads would race the instance writing it: the first
    // missing it (not due: no token), the second finding it (not being made) made a just-made token look due, and
    // this instance claimed it and made a second new token.
    const record = await this.record(appid, 'stable', generation);
    const current = this.freshStable(appid, generation, record, now);
    if (current) return current;
    // A generation without its record is one another instance is making right now (rotate() counts, then writes
    // the record): claiming it would make a second new token. Wait for it instead, as for a claim held elsewhere.
    // (A record that expired after days without a call looks the same: the wait then ends in a rotation here.)
    const making = generation > 0 && record === undefined;
    // Due for a new token. Of several instances deciding at once, the one that claims this generation rotates and
    // the others return what it made, so every caller gets the same token (as in one process, see #stableFlights).
    if (!making && (await this.deps.state.setIfAbsent(`stable-rotating:${appid}:${generation}`, '1', { ttlMs: 60_000 }))) {
      return this.rotate(appid, 'stable', now, now + TOKEN_OVERLAP_SECONDS);
    }
    for (let waited = 0; waited < STABLE_WAIT_MS; waited += STABLE_POLL_MS) {
      await new Promise((resolve) => setTimeout(resolve, STABLE_POLL_MS));
      // The token being made: the next generation once the claimant wrote it, or this one once its record is there.
      const latest = await this.currentGeneration(appid, 'stable', true);
      const made = this.freshStable(appid, latest, await this.record(appid, 'stable', latest), now);
      if (made) return made;
    }
    // The claimant died or stalled mid-rotation: rotate here rather than fail the caller.
    return this.rotate(appid, 'stable', now, now + TOKEN_OVERLAP_SECONDS);
  }

  /** The stable token of `generation` (whose record is `record`, if written), if it is not yet due for replacement. */
  private freshStable(appid: string, generation: number, record: GenerationRecord | undefined, now: number): IssuedToken | undefined {
    if (!record || now >= record.issuedAt + TOKEN_TTL_SECONDS - TOKEN_OVERLAP_SECONDS) return undefined;
    return {
      accessToken: mintAccessToken(this.deps.key, { appid, lane: 'stable', generation, issuedAt: record.issuedAt }),
      expiresIn: record.issuedAt + TOKEN_TTL_SECONDS - now,
    };
  }

  /** force_refresh: at most 20 a day and 30 s apart (45009 / 45011). */
  private async chargeForceRefresh(appid: string, now: number): Promise<void> {
    const lastKey = `force-last:${appid}`;
    const last = await this.deps.state.get(lastKey);
    if (last !== undefined && now - Number(last) < FORCE_REFRESH_MIN_INTERVAL_SECONDS) {
      throw new WxError('MINUTE_QUOTA', 'force_refresh within 30 s');
    }
    // Reading `last` and writing the new one are two steps, and other instances may be between them too: of the
    // refreshes that read the same `last`, only the one that claims it first (setIfAbsent is atomic in every store)
    // goes on; the others came within 30 s of it.
    const claim = `force-claim:${appid}:${last ?? 'none'}`;
    if (!(await this.deps.state.setIfAbsent(claim, String(now), { ttlMs: DAY_MS }))) {
      throw new WxError('MINUTE_QUOTA', 'force_refresh within 30 s of another instance\'s');
    }
    if (!(await countWithinLimit(this.deps.state, `force-day:${appid}:${quotaDay(now)}`, FORCE_REFRESH_DAILY_LIMIT, 2 * DAY_MS))) {
      // Refused, so it does not count as the refresh after `last`.
      await this.deps.state.delete(claim);
      throw new WxError('DAILY_QUOTA', 'force_refresh daily limit');
    }
    await this.deps.state.set(lastKey, String(now), { ttlMs: DAY_MS });
  }

  private async rotate(appid: string, lane: TokenLane, now: number, previousValidUntil: number, handedOut = true): Promise<IssuedToken> {
    const generation = await this.deps.state.incr(`${lane}-gen:${appid}`);
    const record: GenerationRecord = { issuedAt: now, previousValidUntil };
    // Records outlive their token by a day at most; the TTL only tidies the store.
    await this.deps.state.set(recordKey(appid, lane, generation), JSON.stringify(record), { ttlMs: 2 * DAY_MS });
    this.cacheRecord(recordKey(appid, lane, generation), record);
    this.#current.set(`${lane}:${appid}`, { generation, readAt: Date.now() });
    if (handedOut) this.deps.onIssue?.(lane);
    return { accessToken: mintAccessToken(this.deps.key, { appid, lane, generation, issuedAt: now }), expiresIn: TOKEN_TTL_SECONDS };
  }

  private async currentGeneration(appid: string, lane: TokenLane, fresh: boolean): Promise<number> {
    const k = `${lane}:${appid}`;
    const cached = this.#current.get(k);
    if (!fresh && cached && Date.now() - cached.readAt < CURRENT_CACHE_MS) return cached.generation;
    // Staleness counts from before the read: what it returns was current at least then.
    const readAt = Date.now();
    const generation = Number(await this.deps.state.get(`${lane}-gen:${appid}`)) || 0;
    // Never move the cache backwards: a slower read must not undo a rotation made here meanwhile.
    const latest = this.#current.get(k);
    const value = Math.max(generation, latest?.generation ?? 0);
    this.#current.set(k, { generation: value, readAt });
    return value;
  }

  /** A generation's record; none for generation 0 (no token made yet) or one not written yet. */
  private async record(appid: string, lane: TokenLane, generation: number): Promise<GenerationRecord | undefined> {
    if (generation <= 0) return undefined;
    const k = recordKey(appid, lane, generation);
    const cached = this.#records.get(k);
    if (cached) return cached;
    const json = await this.deps.state.get(k);
    if (!json) return undefined;
    const record = JSON.parse(json) as GenerationRecord;
    this.cacheRecord(k, record);
    return record;
  }

  private cacheRecord(k: string, record: GenerationRecord): void {
    if (this.#records.size >= RECORD_CACHE_MAX) this.#records.clear();
    this.#records.set(k, record);
  }
}

function recordKey(appid: string, lane: TokenLane, generation: number): string {
  return `${lane}-rec:${appid}:${generation}`;
}

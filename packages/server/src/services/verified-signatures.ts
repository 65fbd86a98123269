import { checkMediaId, readAccessToken, type MediaIdCheck, type TokenCheck } from '@wxmedia/protocol';

/**
 * Signatures already verified, so that a token or media_id seen again skips its HMAC.
 *
 * Why: every WeChat call verifies its access token (an HMAC) and every get its media_id (an HMAC, and another for
 * the owner's tag); clients send the same token for hours and often get the same media again, and these HMACs
 * were 3–5 % of the main thread under load.
 *
 * Why it is safe:
 * - Only what the HMAC proves is remembered: the facts decoded from a string whose signature verified under `key`.
 *   Those are a pure function of (key, string), so a remembered answer is the one the HMAC would give again. Every
 *   check that depends on time or state still runs on each call, by the caller (the token's app, expiry against the
 *   injectable clock, generation current or in its overlap; the media's expiry), so reset, force refresh,
 *   revocation, time travel and rotation behave as without the cache.
 * - A string that fails (malformed, forged, foreign, expired) is never remembered: only strings signed with our
 *   key get in, so a client cannot fill the cache with junk, and a refusal costs what it always did.
 * - One cache per signing key (the WeakMaps below, keyed by the key's Buffer): a server's key is loaded once in
 *   createServer (services/keys.ts) and never changes while it runs (reset keeps it), and servers with different
 *   keys in one process (tests, embedders) never see each other's entries.
 * - Bounded: VERIFIED_CACHE_MAX entries each, the oldest out first.
 */
export const VERIFIED_CACHE_MAX = 10_000;

/**
 * A Map bounded to `max` entries, the oldest added dropped first (a Map iterates in insertion order). Not LRU on
 * purpose: moving an entry on every hit (delete + set) showed in the profile, and a token or id dropped while still
 * in use only costs one HMAC to come back.
 */
export class BoundedMap<V> {
  readonly #map = new Map<string, V>();

  constructor(readonly max: number) {}

  get size(): number {
    return this.#map.size;
  }

  get(k: string): V | undefined {
    return this.#map.get(k);
  }

  set(k: string, v: V): void {
    this.#map.set(k, v);
    if (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value!);
  }
}

/** What the two caches below share: the signing key they verify under and their bounded memory of what verified. */
abstract class VerifiedCache<V> {
  protected readonly seen: BoundedMap<V>;

  constructor(
    protected readonly key: Uint8Array,
    max = VERIFIED_CACHE_MAX,
  ) {
    this.seen = new BoundedMap(max);
  }

  get size(): number {
    return this.seen.size;
  }
}

/** readAccessToken (shape and HMAC only) that remembers the tokens that verified. */
export class VerifiedTokens extends VerifiedCache<TokenCheck & { ok: true }> {
  read(token: string): TokenCheck {
    const known = this.seen.get(token);
    if (known) return known;
    const check = readAccessToken(this.key, token);
    if (check.ok) this.seen.set(token, check);
    return check;
  }
}

/**
 * checkMediaId (shape, HMAC, owner, expiry) that remembers the ids that verified, with the app that owns each.
 * The owner is part of what the HMAC proves (the id's owner tag is an HMAC of the appid): a remembered id asked for
 * by another app is checked afresh (and refused as foreign). Expiry is judged on every call.
 */
export class VerifiedMediaIds extends VerifiedCache<{ readonly owner: string; readonly check: MediaIdCheck & { ok: true } }> {
  check(id: string, appid: string, nowSeconds: number, ttlSeconds: number): MediaIdCheck {
    const known = this.seen.get(id);
    if (known && known.owner === appid) {
      // As checkMediaId judges it: expired from exactly created_at + ttl.
      return nowSeconds >= known.check.facts.createdAt + ttlSeconds ? EXPIRED : known.check;
    }
    const check = checkMediaId(this.key, id, appid, nowSeconds, ttlSeconds);
    if (check.ok) this.seen.set(id, { owner: appid, check });
    return check;
  }
}

const EXPIRED: MediaIdCheck = { ok: false, reason: 'expired' };

const tokenCaches = new WeakMap<Uint8Array, VerifiedTokens>();
const mediaIdCaches = new WeakMap<Uint8Array, VerifiedMediaIds>();

/** The verified-token cache of this signing key. */
export function verifiedTokens(key: Uint8Array): VerifiedTokens {
  let cache = tokenCaches.get(key);
  if (!cache) tokenCaches.set(key, (cache = new VerifiedTokens(key)));
  return cache;
}

/** The verified-media_id cache of this signing key. */
export function verifiedMediaIds(key: Uint8Array): VerifiedMediaIds {
  let cache = mediaIdCaches.get(key);
  if (!cache) mediaIdCaches.set(key, (cache = new VerifiedMediaIds(key)));
  return cache;
}

import { TOKEN_OVERLAP_SECONDS, type AccessTokenReply } from '@wxmedia/protocol';
import { sleep } from './sleep.ts';
import { MemoryTokenCache, type CachedToken, type TokenCache } from './token-cache.ts';

/**
 * Supplies the access_token of every authenticated call. Bring your own (e.g. a central token service) or let the
 * client build a CredentialTokenProvider from appid and secret.
 */
export interface TokenProvider {
  /**
   * Resolves to a token to send. `rejected` is set when WeChat has just refused that token (40001, 40014, 42001):
   * return a different one if there is one. The client asks at most once per call with `rejected`.
   */
  getToken(options?: { readonly rejected?: string }): Promise<string>;
}

/**
 * `stable_token` (POST /cgi-bin/stable_token): the default. Every caller gets the same token until it is about to
 * expire, so processes and other SDKs do not knock each other's tokens out.
 * `token` (GET /cgi-bin/token): each call replaces the app's token (the previous one lives 5 more minutes). Use it
 * only when nothing else calls /cgi-bin/token for the app, or share one cache with every caller.
 */
export type TokenGrant = 'stable_token' | 'token';

export type TokenFetcher = (grant: TokenGrant) => Promise<AccessTokenReply>;

export interface CredentialTokenProviderOptions {
  readonly appid: string;
  /** Which endpoint mints tokens. Default `stable_token`. */
  readonly grant?: TokenGrant;
  /** Performs the token request (the client passes its own HTTPS call). */
  readonly fetch: TokenFetcher;
  /** Where tokens live between calls. Default: a MemoryTokenCache of this provider's own. */
  readonly cache?: TokenCache;
  /** Key namespace within the cache, e.g. the API host, so one cache can serve several targets. Default ''. */
  readonly cacheScope?: string;
  /** Refresh this long before `expires_in` runs out (capped at half the lifetime). Default 300 s. */
  readonly refreshBeforeSeconds?: number;
  /** How long one process may hold the fleet-wide refresh lock. Default 15 s. */
  readonly lockTtlMs?: number;
  /** Pause between looks at the cache while another process refreshes. Default 100 ms (jittered). */
  readonly lockPollMs?: number;
  /** The clock (ms since the epoch). Default Date.now. */
  readonly now?: () => number;
}

/**
 * Tokens from appid + secret: cached until shortly before expiry, refreshed by one caller at a time in this
 * process (single flight) and — when the cache implements `lock` — by one process at a time in the fleet.
 */
export class CredentialTokenProvider implements TokenProvider {
  readonly #fetch: TokenFetcher;
  readonly #grant: TokenGrant;
  readonly #cache: TokenCache;
  readonly #key: string;
  readonly #refreshBeforeMs: number;
  readonly #lockTtlMs: number;
  readonly #lockPollMs: number;
  readonly #now: () => number;
  #inflight: Promise<string> | undefined;

  constructor(options: CredentialTokenProviderOptions) {
    this.#fetch = options.fetch;
    this.#grant = options.grant ?? 'stable_token';
    this.#cache = options.cache ?? new MemoryTokenCache();
    this.#key = `${options.cacheScope ? `${options.cacheScope}/` : ''}${options.appid}/${this.#grant}`;
    this.#refreshBeforeMs = (options.refreshBeforeSeconds ?? TOKEN_OVERLAP_SECONDS) * 1000;
    this.#lockTtlMs = options.lockTtlMs ?? 15_000;
    this.#lockPollMs = options.lockPollMs ?? 100;
    this.#now = options.now ?? Date.now;
  }

  async getToken(options: { readonly rejected?: string } = {}): Promise<string> {
    const cached = await this.#cache.get(this.#key);
    if (this.#usable(cached, options.rejected)) return cached.accessToken;
    // Single flight: whoever comes while a refresh runs waits for it instead of starting another.
    this.#inflight ??= this.#refresh(options.rejected).finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  #usable(entry: CachedToken | undefined, rejected: string | undefined): entry is CachedToken {
    return entry !== undefined && entry.accessToken !== rejected && this.#now() < entry.refreshAt;
  }

  async #refresh(rejected: string | undefined): Promise<string> {
    for (;;) {
      const release = this.#cache.lock ? await this.#cache.lock(this.#key, this.#lockTtlMs) : async () => {};
      if (release) {
        try {
          // Another process may have refreshed between our miss and our lock.
          const current = await this.#cache.get(this.#key);
          if (this.#usable(current, rejected)) return current.accessToken;
          return await this.#mint();
        } finally {
          await release();
        }
      }
      // Someone else in the fleet is refreshing: wait for the token it stores. Its lock expires on its own if it
      // dies, after which one of the waiters takes over.
      await sleep(this.#lockPollMs / 2 + Math.random() * this.#lockPollMs);
      const current = await this.#cache.get(this.#key);
      if (this.#usable(current, rejected)) return current.accessToken;
    }
  }

  async #mint(): Promise<string> {
    const reply = await this.#fetch(this.#grant);
    const now = this.#now();
    const lifetimeMs = reply.expires_in * 1000;
    const entry: CachedToken = {
      accessToken: reply.access_token,
      expiresAt: now + lifetimeMs,
      refreshAt: now + lifetimeMs - Math.min(this.#refreshBeforeMs, lifetimeMs / 2),
    };
    await this.#cache.set(this.#key, entry, entry.refreshAt - now);
    return entry.accessToken;
  }
}

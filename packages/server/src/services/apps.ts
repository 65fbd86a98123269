import { randomBytes } from 'node:crypto';
import { sameSecret } from '@wxmedia/protocol';
import type { AppConfig, AppKind } from '../config.ts';
import type { StateStore } from '../storage/state-store.ts';

export interface App {
  readonly appid: string;
  readonly secret: string;
  readonly kind: AppKind;
  /** Unix seconds. */
  readonly createdAt: number;
}

const KEY = (appid: string) => `app:${appid}`;
const DEV_APP_KEY = 'dev-app';

/**
 * How long this instance trusts what it read of an app (ms). Instances sharing a state store see an app added,
 * removed or given a new secret on another instance within this time.
 */
export const APP_CACHE_MS = 1_000;

/**
 * The apps (appid + secret) this server knows, kept in the state store and cached in memory for at most
 * APP_CACHE_MS: checking a token reads storage for its app at most once a second, and every instance on the same
 * state store agrees within that second.
 */
export class AppRegistry {
  readonly #cache = new Map<string, { app: App | undefined; readAt: number }>();

  constructor(private readonly state: StateStore) {}

  /** Upserts the configured apps, and makes the development app when there are none at all. */
  async init(configured: readonly AppConfig[], nowSeconds: number): Promise<{ devApp?: App }> {
    for (const c of configured) {
      const existing = await this.get(c.appid);
      await this.put({ appid: c.appid, secret: c.secret, kind: c.kind ?? 'miniprogram', createdAt: existing?.createdAt ?? nowSeconds });
    }
    if (configured.length > 0) return {};
    // The development app is kept (not re-made) so its credentials survive restarts. Instances starting together
    // (--workers) race to make it: each writes its candidate app, and the one whose id lands in DEV_APP_KEY first
    // is the development app of all; the others remove theirs.
    const devId = await this.state.get(DEV_APP_KEY);
    const existing = devId ? await this.get(devId) : undefined;
    if (existing) return { devApp: existing };
    const made = await this.create({ kind: 'miniprogram' }, nowSeconds);
    if (devId !== undefined) {
      // The development app was removed (admin API): this one replaces it.
      await this.state.set(DEV_APP_KEY, made.appid);
      return { devApp: made };
    }
    if (await this.state.setIfAbsent(DEV_APP_KEY, made.appid)) return { devApp: made };
    await this.remove(made.appid);
    const winnerId = await this.state.get(DEV_APP_KEY);
    const winner = winnerId ? await this.get(winnerId) : undefined;
    if (!winner) throw new Error('state store: the development app vanished while it was being made');
    return { devApp: winner };
  }

  async get(appid: string): Promise<App | undefined> {
    const cached = this.#cache.get(appid);
    if (cached && Date.now() - cached.readAt < APP_CACHE_MS) return cached.app;
    // The time before the read: staleness counts from when the value was current, not from when it arrived.
    const readAt = Date.now();
    const app = parse(await this.state.get(KEY(appid)));
    this.#cache.set(appid, { app, readAt });
    return app;
  }

  /** The app, if `secret` is its secret (constant-time). */
  checkSecret(app: App, secret: string): boolean {
    return sameSecret(app.secret, secret);
  }

  /** Every app in the state store, by appid (the store, not this instance's cache: another may have added some). */
  async list(): Promise<App[]> {
    const apps = await Promise.all((await this.state.keys('app:')).map(async (key) => parse(await this.state.get(key))));
    return apps.filter((app): app is App => app !== undefined).sort((a, b) => a.appid.localeCompare(b.appid));
  }

  /** Creates an app; appid and secret are generated in WeChat's shapes when not given. */
  async create(input: { appid?: string; secret?: string; kind?: AppKind }, nowSeconds: number): Promise<App> {
    const app: App = {
      appid: input.appid ?? `wx${randomBytes(8).toString('hex')}`,
      secret: input.secret ?? randomBytes(16).toString('hex'),
      kind: input.kind ?? 'miniprogram',
      createdAt: nowSeconds,
    };
    await this.put(app);
    return app;
  }

  /** Gives the app a new secret (generated unless given); its tokens keep working. Undefined for an unknown app. */
  async rotateSecret(appid: string, secret?: string): Promise<App | undefined> {
    const app = await this.get(appid);
    if (!app) return undefined;
    const rotated: App = { ...app, secret: secret ?? randomBytes(16).toString('hex') };
    await this.put(rotated);
    return rotated;
  }

  async remove(appid: string): Promise<boolean> {
    this.#cache.delete(appid);
    return this.state.delete(KEY(appid));
  }

  private async put(app: App): Promise<void> {
    await this.state.set(KEY(app.appid), JSON.stringify(app));
    this.#cache.set(app.appid, { app, readAt: Date.now() });
  }
}

function parse(json: string | undefined): App | undefined {
  if (!json) return undefined;
  try {
    const v = JSON.parse(json) as Partial<App>;
    if (typeof v.appid !== 'string' || typeof v.secret !== 'string') return undefined;
    return { appid: v.appid, secret: v.secret, kind: v.kind === 'official' ? 'official' : 'miniprogram', createdAt: Number(v.createdAt) || 0 };
  } catch {
    return undefined;
  }
}

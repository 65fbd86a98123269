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
 * The apps (appid + secret) this server knows, kept in the state store and cached in memory: checking a token
 * never reads storage for its app. An appid missing from the cache is read through once (another instance may
 * have added it).
 */
export class AppRegistry {
  readonly #cache = new Map<string, App>();

  constructor(private readonly state: StateStore) {}

  /** Loads stored apps, upserts the configured ones, and makes the development app when there are none at all. */
  async init(configured: readonly AppConfig[], nowSeconds: number): Promise<{ devApp?: App }> {
    for (const key of await this.state.keys('app:')) {
      const app = parse(await this.state.get(key));
      if (app) this.#cache.set(app.appid, app);
    }
    for (const c of configured) {
      const existing = this.#cache.get(c.appid);
      await this.put({ appid: c.appid, secret: c.secret, kind: c.kind ?? 'miniprogram', createdAt: existing?.createdAt ?? nowSeconds });
    }
    if (configured.length > 0) return {};
    // The development app is kept (not re-made) so its credentials survive restarts.
    const devId = await this.state.get(DEV_APP_KEY);
    const dev = devId ? this.#cache.get(devId) : undefined;
    if (dev) return { devApp: dev };
    const made = await this.create({ kind: 'miniprogram' }, nowSeconds);
    await this.state.set(DEV_APP_KEY, made.appid);
    return { devApp: made };
  }

  async get(appid: string): Promise<App | undefined> {
    const cached = this.#cache.get(appid);
    if (cached) return cached;
    const app = parse(await this.state.get(KEY(appid)));
    if (app) this.#cache.set(appid, app);
    return app;
  }

  /** The app, if `secret` is its secret (constant-time). */
  checkSecret(app: App, secret: string): boolean {
    return sameSecret(app.secret, secret);
  }

  list(): App[] {
    return [...this.#cache.values()].sort((a, b) => a.appid.localeCompare(b.appid));
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
    this.#cache.set(app.appid, app);
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

import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { REDACTED } from '@wxmedia/protocol';
import { OffsetClock, ManualClock, nowSeconds, systemClock, type Clock } from './clock.ts';
import { ConfigError, resolveOptions, type ResolvedOptions, type ServerOptions } from './config.ts';
import { implicitCloudEnv } from './cloud/envs.ts';
import { prepareDataDir } from './data-dir.ts';
import { registerCloudGateway, type CloudEnvConfig } from './cloud/gateway.ts';
import { buildHttpApp } from './http/app.ts';
import type { ServerContext } from './http/context.ts';
import { adminRoutes } from './http/routes/admin.ts';
import { healthRoute } from './http/routes/health.ts';
import { mediaGetRoute } from './http/routes/media-get.ts';
import { mediaUploadRoute } from './http/routes/media-upload.ts';
import { quotaRoutes } from './http/routes/quota.ts';
import { stableTokenRoute } from './http/routes/stable-token.ts';
import { tokenRoute } from './http/routes/token.ts';
import { AppRegistry, type App } from './services/apps.ts';
import { CredentialLimiter } from './services/credential-limiter.ts';
import { loadAdminKey, loadSigningKey } from './services/keys.ts';
import { DefaultMediaService } from './services/media.ts';
import { QuotaService } from './services/quotas.ts';
import { Sweeper } from './services/sweeper.ts';
import { TokenService } from './services/tokens.ts';
import { FsBlobStore } from './storage/fs-blob-store.ts';
import { LmdbStateStore } from './storage/lmdb-state-store.ts';
import type { BlobStore } from './storage/blob-store.ts';
import type { StateStore } from './storage/state-store.ts';

export interface WxMediaServer {
  /** The Fastify instance (in-process tests use `app.inject`). */
  readonly app: FastifyInstance;
  readonly clock: Clock;
  /** The development app, when no app was configured. */
  readonly devApp: App | undefined;
  readonly adminKey: string;
  readonly logger: Logger;
  /** Set once listening, e.g. `http://127.0.0.1:8720`. */
  readonly url: string | undefined;
  listen(options?: { host?: string; port?: number }): Promise<{ url: string }>;
  /** Deletes the bytes of every expired media now (the sweeper also runs on a timer). */
  sweepNow(): Promise<number>;
  /** Stops accepting, lets in-flight requests finish, closes the stores. */
  close(): Promise<void>;
}

export async function createServer(input: ServerOptions): Promise<WxMediaServer> {
  const options = resolveOptions(input);
  const clock = input.clock ?? (options.timeTravel ? new OffsetClock(systemClock) : systemClock);
  const logger =
    input.logger ??
    pino({
      level: input.logLevel ?? 'info',
      // Belt and braces: routes log redacted URLs, and these paths never leave the process in clear.
      redact: { paths: ['secret', '*.secret', 'access_token', '*.access_token', 'req.headers.authorization'], censor: REDACTED },
    });
  await prepareDataDir(options.dataDir, { allowShared: options.allowSharedDataDir });
  const state = input.stateStore ?? new LmdbStateStore({ path: join(options.dataDir, 'state') });
  const blobs = input.blobStore ?? new FsBlobStore({ dir: options.dataDir });
  try {
    return await assemble(options, clock, logger, state, blobs);
  } catch (e) {
    // A bad configuration found late (e.g. a cloud env naming an unknown app) must not leave the database open.
    await blobs.close().catch(() => undefined);
    await state.close().catch(() => undefined);
    throw e;
  }
}

async function assemble(
  options: ResolvedOptions,
  clock: Clock,
  logger: Logger,
  state: StateStore,
  blobs: BlobStore,
): Promise<WxMediaServer> {
  await blobs.init();

  const key = await loadSigningKey(state, options.signingKey);
  const adminKey = await loadAdminKey(options.dataDir, options.adminKey);
  const apps = new AppRegistry(state);
  const { devApp } = await apps.init(options.apps, nowSeconds(clock));
  for (const env of options.cloudEnvs) {
    if (!(await apps.get(env.appid))) {
      throw new ConfigError(`cloud env ${env.env} names app ${env.appid}, which this server does not have: add --app ${env.appid}:SECRET`);
    }
  }
  const tokens = new TokenService({ state, apps, clock, key });
  const quotas = new QuotaService({ state, clock, limits: options.dailyQuotas });
  const media = new DefaultMediaService({ blobs, apps, clock, key, maxBytes: options.maxBytes });
  const credentials = new CredentialLimiter({ state, clock, logger, perMinute: options.credentialFailuresPerMinute });
  const ctx: ServerContext = { options, clock, logger, apps, tokens, quotas, media, blobs, adminKey, credentials };

  const app = buildHttpApp(ctx);
  healthRoute(app);
  tokenRoute(app, ctx);
  stableTokenRoute(app, ctx);
  mediaUploadRoute(app, ctx);
  mediaGetRoute(app, ctx);
  quotaRoutes(app, ctx);
  const advanceClock = options.timeTravel && (clock instanceof OffsetClock || clock instanceof ManualClock) ? (s: number) => clock.advance(s) : undefined;
  adminRoutes(app, ctx, advanceClock ? { advanceClock } : {});
  await registerCloudGateway(app, {
    env: async (env) => cloudEnv(env, options.cloudEnvs, apps),
    media,
    quotas,
    credentials,
    clock,
    logger,
  });

  const sweeper = new Sweeper({ blobs, clock, logger, intervalSeconds: options.sweepIntervalSeconds });
  await app.ready();
  let url: string | undefined;
  let closed = false;

  return {
    app,
    clock,
    devApp,
    adminKey,
    logger,
    get url() {
      return url;
    },
    async listen(listenOptions = {}) {
      const address = await app.listen({ host: listenOptions.host ?? '127.0.0.1', port: listenOptions.port ?? 8720 });
      url = address.replace('[::1]', '127.0.0.1');
      sweeper.start();
      return { url };
    },
    sweepNow: () => sweeper.sweepOnce(),
    async close() {
      if (closed) return;
      closed = true;
      sweeper.stop();
      await app.close();
      await blobs.close();
      await state.close();
    },
  };
}

/** An explicit env, or the implicit env named after an app (secretId = appid, secretKey = its secret). */
async function cloudEnv(env: string, explicit: readonly CloudEnvConfig[], apps: AppRegistry): Promise<CloudEnvConfig | undefined> {
  const found = explicit.find((e) => e.env === env);
  if (found) return found;
  const app = await apps.get(env);
  return app ? implicitCloudEnv(app) : undefined;
}

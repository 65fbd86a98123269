import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { DEFAULT_HOST, DEFAULT_PORT } from '@wxmedia/protocol';
import { isControllable, nowSeconds, systemClock, type Clock, type ControllableClock } from './clock.ts';
import { ConfigError, resolveOptions, type ResolvedOptions, type ServerOptions } from './config.ts';
import { implicitCloudEnv, type CloudEnvConfig } from './cloud/envs.ts';
import { prepareDataDir } from './data-dir.ts';
import { registerCloudGateway } from './cloud/gateway.ts';
import { boundAddresses, type BoundAddresses } from './http/addresses.ts';
import { buildHttpApp } from './http/app.ts';
import { createLogger } from './logger.ts';
import type { ServerContext } from './http/context.ts';
import { adminRoutes } from './http/routes/admin/index.ts';
import { dashboardRoutes } from './http/routes/dashboard.ts';
import { healthRoute } from './http/routes/health.ts';
import { mediaGetRoute } from './http/routes/media-get.ts';
import { mediaUploadRoute } from './http/routes/media-upload.ts';
import { metricsRoute } from './http/routes/metrics.ts';
import { openapiRoute } from './http/routes/openapi.ts';
import { videoDownloadRoute } from './http/video-url.ts';
import { quotaRoutes } from './http/routes/quota.ts';
import { stableTokenRoute } from './http/routes/stable-token.ts';
import { tokenRoute } from './http/routes/token.ts';
import { instrumentStore } from './observability/instrument-store.ts';
import { cachedMediaStats } from './observability/media-stats.ts';
import { ServerMetrics } from './observability/metrics.ts';
import { AppRegistry, type App } from './services/apps.ts';
import { CredentialLimiter } from './services/credential-limiter.ts';
import { CallLog } from './services/call-log.ts';
import { ServerCalls } from './services/call-peers.ts';
import { FaultService } from './services/emulator/faults.ts';
import { SharedClock } from './services/emulator/shared-clock.ts';
import { EmulatorSync } from './services/emulator/sync.ts';
import { loadAdminKey, loadSigningKey } from './services/keys.ts';
import { DefaultMediaService } from './services/media.ts';
import { QuotaService } from './services/quotas.ts';
import { Sweeper } from './services/sweeper.ts';
import { TokenService } from './services/tokens.ts';
import type { BlobStore } from './storage/blob-store.ts';
import { describeStore, openBlobStore, openStateStore } from './storage/open-stores.ts';
import type { StateStore } from './storage/state-store.ts';

export interface WxMediaServer {
  /** The Fastify instance (in-process tests use `app.inject`). */
  readonly app: FastifyInstance;
  readonly clock: Clock;
  /** The development app, when no app was configured. */
  readonly devApp: App | undefined;
  readonly adminKey: string;
  readonly logger: Logger;
  /** The data directory in use (a temporary one when ephemeral). */
  readonly dataDir: string;
  /** The calls this process recorded, for the peers that serve with it to ask (ServerOptions.callPeers). */
  readonly ownCalls: CallLog;
  /** This process's Prometheus registry, for a cluster primary to aggregate (offerMetricsToPrimary). */
  readonly metricsRegistry: Registry;
  /** Where media and state live, for banners and logs (engine and place, never a password). */
  readonly storage: { readonly blobs: string; readonly state: string };
  /** Set once listening, e.g. `http://127.0.0.1:8720` (DEFAULT_BASE_URL). */
  readonly url: string | undefined;
  /** Resolves once listening, with the addresses really bound (a host name may bind several). */
  listen(options?: { host?: string; port?: number }): Promise<BoundAddresses>;
  /** Deletes the bytes of every expired media now (the sweeper also runs on a timer). */
  sweepNow(): Promise<number>;
  /** Stops accepting, lets in-flight requests finish, closes the stores (and removes an ephemeral data dir). */
  close(): Promise<void>;
}

interface Stores {
  readonly state: StateStore;
  readonly blobs: BlobStore;
  readonly description: { readonly blobs: string; readonly state: string };
  /** Removes what an ephemeral server made. */
  readonly discard: () => Promise<void>;
}

export async function createServer(input: ServerOptions): Promise<WxMediaServer> {
  const scratch = input.ephemeral ? await mkdtemp(join(tmpdir(), 'wxmedia-ephemeral-')) : undefined;
  const discard = async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  };
  let options: ResolvedOptions;
  try {
    options = resolveOptions(scratch ? { ...input, dataDir: scratch } : input);
  } catch (e) {
    await discard();
    throw e;
  }
  const logger = input.logger ?? createLogger({ level: input.logLevel });
  await prepareDataDir(options.dataDir, { allowShared: options.allowSharedDataDir });
  let state: StateStore;
  try {
    state = await openStateStore(options.stateStore, options.dataDir, (message) => logger.warn({ store: 'state' }, message));
  } catch (e) {
    await discard();
    throw e;
  }
  let blobs: BlobStore;
  try {
    blobs = openBlobStore(options.blobStore, options.dataDir, (message) => logger.warn({ store: 'blob' }, message));
  } catch (e) {
    await state.close().catch(() => undefined);
    await discard();
    throw e;
  }
  const description = { blobs: describeStore(options.blobStore, options.dataDir), state: describeStore(options.stateStore, options.dataDir) };
  const stores: Stores = { state, blobs, description, discard };
  try {
    return await assemble(options, input, logger, stores);
  } catch (e) {
    // A bad configuration found late (e.g. a cloud env naming an unknown app) must not leave the database open.
    await blobs.close().catch(() => undefined);
    await state.close().catch(() => undefined);
    await discard();
    throw e;
  }
}

async function assemble(
  options: ResolvedOptions,
  injected: Pick<ServerOptions, 'clock' | 'callPeers' | 'metricsSource'>,
  logger: Logger,
  stores: Stores,
): Promise<WxMediaServer> {
  const injectedClock = injected.clock;
  // Late-bound sources of the metrics' gauges (the services are made below, on the instrumented stores).
  let apps: AppRegistry | undefined;
  let faults: FaultService | undefined;
  let mediaStats: ServerContext['mediaStats'] | undefined;
  const metrics = new ServerMetrics({
    mediaStats: () => mediaStats!(),
    apps: async () => (await apps?.list())?.length ?? 0,
    faults: () => faults?.size ?? 0,
  });
  const state = instrumentStore(stores.state, (op) => metrics.storeErrors.inc({ store: 'state', op }));
  const blobs = instrumentStore(stores.blobs, (op) => metrics.storeErrors.inc({ store: 'blob', op }));
  await blobs.init();
  mediaStats = cachedMediaStats(blobs);

  const emulator = new EmulatorSync(state);
  let clock: Clock;
  let clockControl: ControllableClock | undefined;
  if (injectedClock) {
    clock = injectedClock;
    clockControl = options.timeTravel && isControllable(injectedClock) ? injectedClock : undefined;
  } else if (options.timeTravel) {
    clockControl = new SharedClock(state, emulator);
    clock = clockControl;
  } else {
    clock = systemClock;
  }
  faults = new FaultService(state, emulator);
  await emulator.sync();

  const key = await loadSigningKey(state, options.signingKey);
  const adminKey = await loadAdminKey(options.dataDir, options.adminKey);
  apps = new AppRegistry(state);
  const { devApp } = await apps.init(options.apps, nowSeconds(clock));
  for (const env of options.cloudEnvs) {
    if (!(await apps.get(env.appid))) {
      throw new ConfigError(`cloud env ${env.env} names app ${env.appid}, which this server does not have: add --app ${env.appid}:SECRET`);
    }
  }
  const tokens = new TokenService({ state, apps, clock, key, onIssue: (lane) => metrics.tokensIssued.inc({ lane }) });
  const quotas = new QuotaService({ state, clock, limits: options.dailyQuotas, onReject: (api) => metrics.quotaRejections.inc({ api }) });
  const media = new DefaultMediaService({ blobs, apps, clock, key, maxBytes: options.maxBytes });
  const credentials = new CredentialLimiter({ state, clock, logger, perMinute: options.credentialFailuresPerMinute });
  const ctx: ServerContext = {
    options,
    clock,
    clockControl,
    logger,
    apps,
    tokens,
    quotas,
    media,
    blobs,
    state,
    adminKey,
    credentials,
    emulator,
    faults,
    calls: new ServerCalls(new CallLog(options.recentCalls), injected.callPeers),
    metrics,
    renderMetrics: injected.metricsSource ?? (() => metrics.render()),
    mediaStats,
    storage: stores.description,
    startedAt: Date.now(),
  };

  const app = buildHttpApp(ctx);
  healthRoute(app, { blobs, state });
  tokenRoute(app, ctx);
  stableTokenRoute(app, ctx);
  mediaUploadRoute(app, ctx);
  mediaGetRoute(app, ctx);
  quotaRoutes(app, ctx);
  await adminRoutes(app, ctx);
  metricsRoute(app, ctx);
  openapiRoute(app);
  await dashboardRoutes(app);
  videoDownloadRoute(app, ctx);
  await registerCloudGateway(app, {
    env: async (env) => cloudEnv(env, options.cloudEnvs, ctx.apps),
    media,
    quotas,
    credentials,
    faults,
    clock,
    logger,
  });

  const sweeper = new Sweeper({
    blobs,
    state,
    clock,
    logger,
    intervalSeconds: options.sweepIntervalSeconds,
    // The moved clock of another instance counts for the sweep too.
    beforeSweep: () => emulator.sync(),
  });
  await app.ready();
  let url: string | undefined;
  let closed = false;

  return {
    app,
    clock,
    devApp,
    adminKey,
    logger,
    dataDir: options.dataDir,
    ownCalls: ctx.calls.own,
    metricsRegistry: metrics.registry,
    storage: stores.description,
    get url() {
      return url;
    },
    async listen(listenOptions = {}) {
      // Fastify logs "Server listening at …" for each address; the caller reports them itself (the CLI in its
      // banner, which comes first), so that line is held back while listening.
      const level = app.log.level;
      if (['info', 'debug', 'trace'].includes(level)) app.log.level = 'warn';
      try {
        await app.listen({ host: listenOptions.host ?? DEFAULT_HOST, port: listenOptions.port ?? DEFAULT_PORT });
      } finally {
        app.log.level = level;
      }
      const bound = boundAddresses(app.addresses().filter((a): a is AddressInfo => typeof a !== 'string'));
      url = bound.url;
      sweeper.start();
      return bound;
    },
    sweepNow: () => sweeper.sweepOnce(),
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await sweeper.stop();
      await blobs.close();
      await state.close();
      await stores.discard();
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


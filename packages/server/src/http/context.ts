import type { Logger } from 'pino';
import type { Clock, ControllableClock } from '../clock.ts';
import type { ResolvedOptions } from '../config.ts';
import type { ServerMetrics } from '../observability/metrics.ts';
import type { AppRegistry } from '../services/apps.ts';
import type { CredentialLimiter } from '../services/credential-limiter.ts';
import type { ServerCalls } from '../services/call-peers.ts';
import type { FaultService } from '../services/emulator/faults.ts';
import type { EmulatorSync } from '../services/emulator/sync.ts';
import type { MediaService } from '../services/media-service.ts';
import type { QuotaService } from '../services/quotas.ts';
import type { TokenService } from '../services/tokens.ts';
import type { BlobStats, BlobStore } from '../storage/blob-store.ts';
import type { StateStore } from '../storage/state-store.ts';

/** Everything a route needs, built once by createServer(). */
export interface ServerContext {
  readonly options: ResolvedOptions;
  readonly clock: Clock;
  /** The clock the admin API moves; undefined unless time travel is on. */
  readonly clockControl: ControllableClock | undefined;
  readonly logger: Logger;
  readonly apps: AppRegistry;
  readonly tokens: TokenService;
  readonly quotas: QuotaService;
  readonly media: MediaService;
  readonly blobs: BlobStore;
  readonly state: StateStore;
  readonly adminKey: string;
  /** Counts failed credential checks per app and client address (45011 past the limit). */
  readonly credentials: CredentialLimiter;
  /** Brings the shared clock offset and faults up to date before each WeChat API call. */
  readonly emulator: EmulatorSync;
  readonly faults: FaultService;
  /** The recent calls: recorded here, read across the processes serving as one server (call-peers.ts). */
  readonly calls: ServerCalls;
  readonly metrics: ServerMetrics;
  /** What GET /metrics answers: this server's registry, or every worker's (ServerOptions.metricsSource). */
  readonly renderMetrics: () => Promise<{ contentType: string; body: string }>;
  /** Media stored (count, bytes), cached briefly (observability/media-stats.ts). */
  readonly mediaStats: () => Promise<BlobStats>;
  /** What stores this instance runs on, for the overview (e.g. `filesystem (./.wxmedia)`). */
  readonly storage: { readonly blobs: string; readonly state: string };
  /** Unix milliseconds (real time) this instance started. */
  readonly startedAt: number;
}

/** Which Content-Type a route's JSON replies carry (ContentTypes in config.ts). */
export type ReplyGroup = 'media' | 'api';

/** What the calls record, the metrics and the faults know about one WeChat API call, filled in as it goes. */
export interface CallFacts {
  readonly channel: 'https' | 'cloud';
  /** The HTTPS path, or the cloud API name once the gateway has read it. */
  api: string;
  /** Server time at the start, Unix milliseconds. */
  readonly at: number;
  appid?: string;
  mediaId?: string;
  /** Media bytes uploaded or served. */
  bytes?: number;
  /** Why the call failed, in the server's words (WxError detail); never sent to the client. */
  reason?: string;
  /** The fault that answered the call. */
  fault?: string;
  dropped?: boolean;
  /** Set once recorded, so a call is recorded once whatever path ended it. */
  recorded?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    group?: ReplyGroup;
    /** A WeChat API route: the emulator's clock and faults apply, and calls are recorded and measured. */
    wechat?: 'https' | 'cloud';
  }
  interface FastifyRequest {
    /** The errcode this request was answered with, for the access log. */
    wxErrcode: number | undefined;
    /** Present on WeChat API routes (config.wechat). */
    wxCall: CallFacts | undefined;
  }
}

import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { ResolvedOptions } from '../config.ts';
import type { AppRegistry } from '../services/apps.ts';
import type { CredentialLimiter } from '../services/credential-limiter.ts';
import type { DefaultMediaService } from '../services/media.ts';
import type { QuotaService } from '../services/quotas.ts';
import type { TokenService } from '../services/tokens.ts';
import type { BlobStore } from '../storage/blob-store.ts';

/** Everything a route needs, built once by createServer(). */
export interface ServerContext {
  readonly options: ResolvedOptions;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly apps: AppRegistry;
  readonly tokens: TokenService;
  readonly quotas: QuotaService;
  readonly media: DefaultMediaService;
  readonly blobs: BlobStore;
  readonly adminKey: string;
  /** Counts failed credential checks per app and client address (45011 past the limit). */
  readonly credentials: CredentialLimiter;
}

/** Which Content-Type a route's JSON replies carry (ContentTypes in config.ts). */
export type ReplyGroup = 'media' | 'api';

declare module 'fastify' {
  interface FastifyContextConfig {
    group?: ReplyGroup;
  }
  interface FastifyRequest {
    /** The errcode this request was answered with, for the access log. */
    wxErrcode: number | undefined;
  }
}

import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { ResolvedOptions } from '../config.ts';
import type { AppRegistry } from '../services/apps.ts';
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
    /** Why it failed, in wxmedia's words (WxError.detail): logged, never sent. */
    wxDetail: string | undefined;
    /** The app the request was made for, once known (from its token or its credentials), for the access log. */
    wxAppid: string | undefined;
  }
}

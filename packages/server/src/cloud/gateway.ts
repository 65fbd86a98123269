import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { MediaService } from '../services/media-types.ts';

/**
 * The cloud-call gateway: what wx-server-sdk talks to. (Being implemented; see issue 3.)
 */
export interface CloudEnvConfig {
  /** The cloud environment id the SDK sends (`env=`). */
  readonly env: string;
  /** The app whose media this env reads and writes. */
  readonly appid: string;
  /** Tencent Cloud credentials the SDK signs with (TC3-HMAC-SHA256). */
  readonly secretId: string;
  readonly secretKey: string;
  /** Allowed cloud-call APIs, as in a function's config.json `permissions.openapi`; undefined = both media APIs. */
  readonly openapi?: readonly string[];
}

export interface CloudGatewayDeps {
  /** Looks an env up (explicit --cloud-env entries, and one implicit env per app: see docs/cloud-call.md). */
  readonly env: (env: string) => Promise<CloudEnvConfig | undefined>;
  readonly media: MediaService;
  readonly clock: Clock;
  readonly logger: Logger;
}

export async function registerCloudGateway(_app: FastifyInstance, _deps: CloudGatewayDeps): Promise<void> {
  // Filled in by the cloud-call work (issue 3).
}

import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { CredentialLimiter } from '../services/credential-limiter.ts';
import type { FaultService } from '../services/emulator/faults.ts';
import type { CloudMediaService } from '../services/media-service.ts';
import type { QuotaCharger } from './dispatch.ts';
import type { CloudEnvConfig } from './envs.ts';

/** What the cloud-call gateway (gateway.ts) is built from. */
export interface CloudGatewayDeps {
  /** Looks an env up (explicit --cloud-env entries, and one implicit env per app: see envs.ts implicitCloudEnv). */
  readonly env: (env: string) => Promise<CloudEnvConfig | undefined>;
  readonly media: CloudMediaService;
  /** The daily quotas HTTPS calls spend: a cloud upload or get counts against the same ones. Absent: no quota. */
  readonly quotas?: QuotaCharger;
  /** Limits wrong secretIds and signatures per app and client address, with the HTTPS API's secrets. Absent: none. */
  readonly credentials?: CredentialLimiter;
  /** Injected faults: a fault on `/cgi-bin/media/upload` also fires on a cloud uploadTempMedia. Absent: none. */
  readonly faults?: Pick<FaultService, 'fire'>;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * Judges signature freshness. Default: real time, NOT `clock`: the SDK signs with the caller's wall clock, so a
   * server whose clock was moved forward (time travel) must still accept fresh signatures.
   */
  readonly signatureClock?: Clock;
  /** Path the SDK posts to. Default CLOUD_GATEWAY_PATH (@wxmedia/protocol). */
  readonly path?: string;
  /** Bound on a request body. Default 16 MiB: above every media size limit plus the protobuf and form overhead. */
  readonly maxRequestBytes?: number;
}

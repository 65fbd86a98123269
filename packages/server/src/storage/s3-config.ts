import type { S3Client } from '@aws-sdk/client-s3';
import { awsS3 } from './optional-sdks.ts';

/** Where `--blob-store s3://BUCKET[/PREFIX][?path_style=true|false]` points. */
export interface S3Location {
  readonly bucket: string;
  /** '' or ending in '/'. */
  readonly prefix: string;
  /** Path-style addressing; unset: on when a custom endpoint is set (MinIO, Ceph, s3rver), else virtual-hosted. */
  readonly forcePathStyle: boolean | undefined;
}

/** S3's bucket naming rules (lower case, digits, dots, hyphens; 3–63 characters). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Parses an `s3://` store URL; throws a TypeError saying what is wrong. */
export function parseS3Url(text: string): S3Location {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`blob store "${text}" is not a URL: use s3://BUCKET[/PREFIX]`);
  }
  if (url.protocol !== 's3:') throw new TypeError(`blob store "${text}" must start with s3://`);
  if (url.username || url.password) throw new TypeError('the s3:// URL takes no credentials: they come from the AWS SDK (AWS_ACCESS_KEY_ID, profiles, roles)');
  const bucket = url.hostname;
  if (!BUCKET.test(bucket)) throw new TypeError(`"${bucket}" is not an S3 bucket name (3-63 characters of a-z, 0-9, "." and "-")`);
  const path = decodeURIComponent(url.pathname).replace(/^\/+/, '').replace(/\/+$/, '');
  const prefix = path === '' ? '' : `${path}/`;
  let forcePathStyle: boolean | undefined;
  for (const [name, value] of url.searchParams) {
    if (name !== 'path_style') throw new TypeError(`unknown s3:// URL option "${name}" (known: path_style)`);
    if (value !== 'true' && value !== 'false') throw new TypeError('path_style must be true or false');
    forcePathStyle = value === 'true';
  }
  return { bucket, prefix, forcePathStyle };
}

export interface S3ClientSettings {
  readonly forcePathStyle?: boolean | undefined;
  /** Normally unset: the SDK reads AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL. Tests and embedders may pass one. */
  readonly endpoint?: string;
  /** Normally unset: the SDK's credential chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly region?: string;
  /** Where the SDK's warnings go (without one it prints them on the console). Its per-request logs are dropped. */
  readonly warn?: (message: string) => void;
}

/** Time to open a connection to the bucket's endpoint, and the longest a socket may stay silent, in ms. */
const CONNECT_TIMEOUT_MS = 3_000;
const SOCKET_IDLE_TIMEOUT_MS = 15_000;

/**
 * An S3 client configured by the AWS SDK's own chain: endpoint (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, profile),
 * region (`AWS_REGION`, profile), credentials (env, profile, SSO, web identity, instance role), retries
 * (`AWS_MAX_ATTEMPTS`). Only what S3-compatible servers need on top of that is set here:
 * - checksums only where S3 requires them: the SDK's default wraps streamed bodies in aws-chunked framing with a
 *   trailing checksum, which several S3-compatible servers store as part of the object (silent corruption);
 * - path-style addressing when a custom endpoint is set (MinIO, Ceph and local servers rarely resolve
 *   bucket.host names), unless the URL says otherwise;
 * - a region when a custom endpoint is set and none is configured (such servers accept any);
 * - bounded connection and idle times, so an unreachable bucket fails a request instead of hanging it.
 */
export function createS3Client(settings: S3ClientSettings = {}, env: NodeJS.ProcessEnv = process.env): S3Client {
  const customEndpoint = Boolean(settings.endpoint || env['AWS_ENDPOINT_URL_S3'] || env['AWS_ENDPOINT_URL']);
  const region = settings.region || env['AWS_REGION'] || env['AWS_DEFAULT_REGION'] || (customEndpoint ? 'us-east-1' : undefined);
  return new (awsS3().S3Client)({
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    forcePathStyle: settings.forcePathStyle ?? customEndpoint,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(region ? { region } : {}),
    ...(settings.warn ? { logger: warningsOnly(settings.warn) } : {}),
    requestHandler: {
      connectionTimeout: CONNECT_TIMEOUT_MS,
      socketTimeout: SOCKET_IDLE_TIMEOUT_MS,
      // Uploads and gets of many users at once: the default of 50 sockets would queue them behind each other.
      httpAgent: { keepAlive: true, maxSockets: 256 },
      httpsAgent: { keepAlive: true, maxSockets: 256 },
    },
  });
}

function warningsOnly(warn: (message: string) => void) {
  const drop = () => undefined;
  const say = (...content: unknown[]) => warn(content.map(String).join(' '));
  return { trace: drop, debug: drop, info: drop, warn: say, error: say };
}

import { join } from 'node:path';

/**
 * The server's defaults, one place for the server, the `wxmedia` command and its help texts. WeChat's own numbers
 * (lifetimes, quotas, size limits) live in @wxmedia/protocol.
 */

/** Where `wxmedia serve` listens and the client commands look for it. */
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8720;
/** `http://127.0.0.1:8720`. */
export const DEFAULT_BASE_URL = `http://${DEFAULT_HOST}:${DEFAULT_PORT}`;

/** The data directory of `wxmedia serve`, relative to where it runs. */
export const DEFAULT_DATA_DIR = '.wxmedia';

/** The admin API's bearer key, generated once (mode 0600) so the CLI on the same machine finds it. */
export function adminKeyPath(dataDir: string): string {
  return join(dataDir, 'admin.key');
}

/** Content-Type of JSON replies: WeChat's media endpoints answer `text/plain`, its other endpoints this JSON type. */
export const DEFAULT_CONTENT_TYPES = { media: 'text/plain', api: 'application/json; encoding=utf-8' } as const;

/** How often the expiry sweeper runs. */
export const DEFAULT_SWEEP_INTERVAL_SECONDS = 60;

/** The shortest app secret accepted (WeChat's are 32 hex digits; a short one is guessable). */
export const MIN_SECRET_LENGTH = 8;

/** The shortest signing key accepted (`openssl rand -hex 32` gives 64 characters). */
export const MIN_SIGNING_KEY_LENGTH = 32;

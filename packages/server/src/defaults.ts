/**
 * The server's own defaults, one place for each. Where a server is found (host, port, data directory, admin.key)
 * is in @wxmedia/protocol (defaults.ts), shared with the `wxmedia` command; WeChat's numbers (lifetimes, quotas,
 * size limits) are there too.
 */

/** Content-Type of JSON replies: WeChat's media endpoints answer `text/plain`, its other endpoints this JSON type. */
export const DEFAULT_CONTENT_TYPES = { media: 'text/plain', api: 'application/json; encoding=utf-8' } as const;

/** How often the expiry sweeper runs. */
export const DEFAULT_SWEEP_INTERVAL_SECONDS = 60;

/** The shortest app secret accepted (WeChat's are 32 hex digits; a short one is guessable). */
export const MIN_SECRET_LENGTH = 8;

/** The shortest signing key accepted (`openssl rand -hex 32` gives 64 characters). */
export const MIN_SIGNING_KEY_LENGTH = 32;

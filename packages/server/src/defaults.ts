/**
 * The server's own defaults, one place for each: a module of its own, exported as `@wxmedia/server/defaults`, so
 * that `wxmedia --help` can show them without loading the server (it imports nothing). Where a server is found
 * (host, port, data directory, admin.key) is in @wxmedia/protocol (defaults.ts), shared with the `wxmedia` command;
 * WeChat's numbers (lifetimes, quotas, size limits) are there too.
 */

/** Defaults of the settings `wxmedia serve` has flags for (config.ts resolveOptions applies them). */
export const SERVER_DEFAULTS = {
  /** config.ts Timeouts. */
  timeouts: { headersSeconds: 60, idleSeconds: 60, minBodyBytesPerSecond: 1024 },
  maxConnections: 10_000,
  credentialFailuresPerMinute: 10,
  /** How often the expiry sweeper runs. */
  sweepIntervalSeconds: 60,
} as const;

/** Content-Type of JSON replies: WeChat's media endpoints answer `text/plain`, its other endpoints this JSON type. */
export const DEFAULT_CONTENT_TYPES = { media: 'text/plain', api: 'application/json; encoding=utf-8' } as const;

/** The shortest app secret accepted (WeChat's are 32 hex digits; a short one is guessable). */
export const MIN_SECRET_LENGTH = 8;

/** The shortest signing key accepted (`openssl rand -hex 32` gives 64 characters). */
export const MIN_SIGNING_KEY_LENGTH = 32;

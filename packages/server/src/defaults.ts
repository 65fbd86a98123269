import type { Timeouts } from './config.ts';

/**
 * Defaults of the server's own settings that are not WeChat's facts (those live in @wxmedia/protocol). A module of
 * its own, exported as `@wxmedia/server/defaults`, so that `wxmedia --help` can show them without loading the server.
 */
export const SERVER_DEFAULTS = {
  timeouts: { headersSeconds: 60, idleSeconds: 60, minBodyBytesPerSecond: 1024 } satisfies Timeouts,
  maxConnections: 10_000,
  credentialFailuresPerMinute: 10,
  sweepIntervalSeconds: 60,
} as const;

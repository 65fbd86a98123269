import { pino, type DestinationStream, type Logger } from 'pino';
import { REDACTED } from '@wxmedia/protocol';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/**
 * The server's pino logger: JSON lines to stdout, or to `destination` (the CLI passes pino-pretty's stream for
 * people). Routes log redacted URLs already; these paths make sure a secret or token given as a field never leaves
 * the process in clear either.
 */
export function createLogger(options: { level?: string | undefined; destination?: DestinationStream | undefined } = {}): Logger {
  const pinoOptions = {
    level: options.level ?? 'info',
    redact: { paths: ['secret', '*.secret', 'access_token', '*.access_token', 'req.headers.authorization'], censor: REDACTED },
  };
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}

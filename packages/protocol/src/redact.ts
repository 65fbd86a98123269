/**
 * Access tokens and secrets never reach a log line or an error message, however a client spelled them.
 *
 * A query parameter is sensitive by its *decoded* name, not its raw text: Fastify's query parser (the one the server
 * reads parameters with) decodes `%73ecret` to `secret` and `access%5Ftoken` to `access_token`, so matching raw text
 * would log those in clear. The name is decoded the same way (`+` is a space, `%XX` a byte; repeatedly, so that
 * `%2573ecret` counts too), lower-cased, and stripped of everything but letters, which also covers `access_token[]`,
 * `ACCESS_TOKEN` and ` secret `: spellings the server does not accept as credentials but that still carry one.
 * What is left is sensitive when it names a token, a secret, a password, a signature, a key (`key=`, `adminKey=`), a
 * credential, an authorization or a cookie. The same rule judges header names (the calls record shows headers).
 *
 * Values run to the next `&` (Octokit's lesson: tokens contain `-` and `_`, so `\w+` would leave half behind).
 */
const SENSITIVE_NAME = /token|secret|passw|sign|credential|key|authorization|cookie/;
const SENSITIVE_JSON = /("(?:access_token|secret|appsecret|secretKey|secret_key|accessToken|key|adminKey)"\s*:\s*")[^"]*"/gi;
const AUTH_HEADER_CREDENTIAL = /(Credential=)[^/,\s]+/g;
/** `name=value` after `?`, `&` or `#` in free text; the value stops at a delimiter, a quote or whitespace. */
const TEXT_PARAM = /([?&#])([^=&#?\s"'<>]*)=([^&#\s"']*)/g;
const MAX_DECODE_ROUNDS = 3;

export const REDACTED = '[REDACTED]';

/**
 * True when a query parameter, form field or header with this name (raw and possibly percent-encoded, or already
 * decoded) carries a credential.
 */
export function isSensitiveParam(rawName: string): boolean {
  return SENSITIVE_NAME.test(decodeName(rawName).toLowerCase().replace(/[^a-z]/g, ''));
}

/**
 * A request target (`/path?query`) with the value of every sensitive parameter replaced by REDACTED, split exactly
 * as the server's router splits it: the query starts at the first `?` or `#`, pairs are separated by `&`, a name
 * ends at the first `=`. Names and other values are kept as sent, for the log to show what came in.
 */
export function redactUrl(target: string): string {
  const start = queryStart(target);
  if (start < 0) return target;
  const pairs = target
    .slice(start + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return eq >= 0 && isSensitiveParam(name) ? `${name}=${REDACTED}` : pair;
    });
  return `${target.slice(0, start + 1)}${pairs.join('&')}`;
}

/** Removes tokens and secrets from a URL, a query string, a JSON text or any message that may quote one. */
export function redact(text: string): string {
  // Every pattern below needs an `=` (a parameter, `Credential=`) or a `"` (a JSON key): most header values and
  // messages have neither, and the calls record redacts every header of every call.
  if (!text.includes('=') && !text.includes('"')) return text;
  return text
    .replace(TEXT_PARAM, (whole: string, sep: string, name: string) => (isSensitiveParam(name) ? `${sep}${name}=${REDACTED}` : whole))
    .replace(SENSITIVE_JSON, `$1${REDACTED}"`)
    .replace(AUTH_HEADER_CREDENTIAL, `$1${REDACTED}`);
}

/** Removes the given literal values (e.g. a known secret) wherever they appear, then applies redact(). */
export function redactValues(text: string, values: readonly (string | undefined)[]): string {
  let out = text;
  for (const v of values) if (v && v.length >= 4) out = out.split(v).join(REDACTED);
  return redact(out);
}

/** Where the router's query string starts: the first `?` or `#` after the first character, or -1. */
function queryStart(target: string): number {
  const q = target.indexOf('?', 1);
  const h = target.indexOf('#', 1);
  if (q < 0) return h;
  return h < 0 ? q : Math.min(q, h);
}

/** `+` to space and every valid `%XX` to its byte, a few rounds over; invalid escapes stay as they are. */
function decodeName(raw: string): string {
  let name = raw.replaceAll('+', ' ');
  for (let i = 0; i < MAX_DECODE_ROUNDS && name.includes('%'); i++) {
    const next = name.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (next === name) break;
    name = next;
  }
  return name;
}

/**
 * Access tokens and secrets never reach a log line or an error message. Tokens contain `-` and `_`, so a value runs
 * to the next `&`, `#`, quote or whitespace (Octokit's lesson: `\w+` would leave half a token behind).
 */
const SENSITIVE_QUERY = /([?&](?:access_token|secret|appsecret|secretKey|secret_key)=)[^&#\s"']+/gi;
const SENSITIVE_JSON = /("(?:access_token|secret|appsecret|secretKey|secret_key|accessToken)"\s*:\s*")[^"]*"/gi;
const AUTH_HEADER_CREDENTIAL = /(Credential=)[^/,\s]+/g;

export const REDACTED = '[REDACTED]';

/** Removes tokens and secrets from a URL, a query string, a JSON text or any message that may quote one. */
export function redact(text: string): string {
  return text
    .replace(SENSITIVE_QUERY, `$1${REDACTED}`)
    .replace(SENSITIVE_JSON, `$1${REDACTED}"`)
    .replace(AUTH_HEADER_CREDENTIAL, `$1${REDACTED}`);
}

/** Removes the given literal values (e.g. a known secret) wherever they appear, then applies redact(). */
export function redactValues(text: string, values: readonly (string | undefined)[]): string {
  let out = text;
  for (const v of values) if (v && v.length >= 4) out = out.split(v).join(REDACTED);
  return redact(out);
}

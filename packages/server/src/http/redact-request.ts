import { REDACTED, isSensitiveParam, redact } from '@wxmedia/protocol';

// Which names carry credentials is decided in one place (isSensitiveParam), on the names as the router parsed them,
// so no spelling of a name in the raw URL slips a secret through.

/** Query parameters for the calls record: credentials replaced by [REDACTED], other values redacted of embedded ones. */
export function redactedQuery(query: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof query !== 'object' || query === null) return out;
  for (const [name, value] of Object.entries(query as Record<string, unknown>)) {
    const text = Array.isArray(value) ? value.map(String).join(', ') : String(value);
    out[name] = isSensitiveParam(name) ? REDACTED : redact(text);
  }
  return out;
}

/** Request headers for the calls record, the same way. */
export function redactedHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    out[name] = isSensitiveParam(name) ? REDACTED : redact(text);
  }
  return out;
}

import { REDACTED, redact } from '@wxmedia/protocol';

/**
 * Parameter and header names whose values are credentials. Matched on the names as the router parsed them
 * (percent-decoding done, `name[]` folded), so no spelling of a name in the raw URL slips a secret through.
 */
const SECRET_NAME = /token|secret|key|sign|password|authorization|cookie|credential/i;

/** Query parameters for the calls record: credentials replaced by [REDACTED], other values redacted of embedded ones. */
export function redactedQuery(query: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof query !== 'object' || query === null) return out;
  for (const [name, value] of Object.entries(query as Record<string, unknown>)) {
    const text = Array.isArray(value) ? value.map(String).join(', ') : String(value);
    out[name] = SECRET_NAME.test(name.replace(/\[\]$/, '')) ? REDACTED : redact(text);
  }
  return out;
}

/** Request headers for the calls record, the same way. */
export function redactedHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    out[name] = SECRET_NAME.test(name) ? REDACTED : redact(text);
  }
  return out;
}

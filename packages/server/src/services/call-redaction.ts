import { REDACTED, isSensitiveParam, redact, type CallRecord } from '@wxmedia/protocol';

// Which names carry credentials is decided in one place (isSensitiveParam), on the names as the router parsed them,
// so no spelling of a name in the raw URL slips a secret through.

/**
 * A call as the HTTP layer hands it to the calls record: its query and headers as the request carried them, and
 * its reason as the server wrote it, none of them redacted yet. The record redacts them only when it is read
 * (redactedCall), so a call costs no redaction when nobody looks (most calls drop out of the record unread).
 */
export interface CallToRecord extends Omit<CallRecord, 'query' | 'headers'> {
  readonly query: unknown;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** The record as readers see it: credentials in the query, headers and reason redacted. */
export function redactedCall(call: CallToRecord): CallRecord {
  // Overriding keeps each field where it was, so a record lists its fields in the order it always did.
  return {
    ...call,
    ...(call.reason !== undefined ? { reason: redact(call.reason) } : {}),
    query: redactedQuery(call.query),
    headers: redactedHeaders(call.headers),
  };
}

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

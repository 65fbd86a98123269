import { createHash, createHmac } from 'node:crypto';
import { sameBytes } from '@wxmedia/protocol';

/**
 * Verification of the `TC3-HMAC-SHA256` signature wx-server-sdk puts on every gateway request. The signer is
 * `@cloudbase/signature-nodejs` 2.x `Signer.tc3sign`, called by `@cloudbase/node-sdk` with `withSignedParams: true`:
 *
 *   Authorization: TC3-HMAC-SHA256 Credential=<secretId>/<YYYY-MM-DD>/tcb/tc3_request,
 *                  SignedParams=action;apiname;requestdata, SignedHeaders=content-type;host;…, Signature=<hex>
 *   X-Timestamp: <unix seconds>          (not itself a signed header, but part of the string to sign)
 *
 *   canonical = method "\n" //host/path "\n" rawQuery "\n" (name ":" value "\n")* "\n" signedHeaders "\n" payloadHash
 *     - method as the SDK passed it: lower case `post` (we also accept `POST`);
 *     - header values trimmed and lower-cased, except content-type: verbatim, and `multipart/form-data; boundary=…`
 *       counts as `multipart/form-data` (the SDK signs the type before the boundary is added);
 *     - payloadHash = sha256 over, for each signed param in order, "&" key "=" value "\r\n", where a string value is
 *       trimmed and a Buffer (the protobuf `requestData`) is taken as is. Empty values are never signed.
 *   stringToSign = "TC3-HMAC-SHA256\n" timestamp "\n" date "/tcb/tc3_request\n" sha256hex(canonical)
 *   key = HMAC(HMAC(HMAC("TC3" secretKey, date), "tcb"), "tc3_request"); signature = hex HMAC(key, stringToSign)
 */

export interface Tc3Authorization {
  readonly secretId: string;
  readonly date: string;
  readonly service: string;
  /** Lower-cased form field names, in the order the client hashed them. */
  readonly signedParams: readonly string[];
  /** Lower-cased header names, in the order the client listed them. */
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

const ALGORITHM = 'TC3-HMAC-SHA256';
const TERMINATOR = 'tc3_request';

/** Parses the Authorization header; undefined when it is absent or not a TC3 authorization. */
export function parseTc3Authorization(header: string | undefined): Tc3Authorization | undefined {
  if (!header?.startsWith(`${ALGORITHM} `)) return undefined;
  const fields = new Map<string, string>();
  for (const item of header.slice(ALGORITHM.length + 1).split(',')) {
    const eq = item.indexOf('=');
    if (eq < 0) return undefined;
    const name = item.slice(0, eq).trim();
    if (fields.has(name)) return undefined;
    fields.set(name, item.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential')?.split('/');
  const signature = fields.get('Signature');
  const signedHeaders = fields.get('SignedHeaders');
  if (!credential || credential.length !== 4 || credential[3] !== TERMINATOR || !signature || !signedHeaders) return undefined;
  const [secretId, date, service] = credential as [string, string, string, string];
  if (!secretId || !/^\d{4}-\d{2}-\d{2}$/.test(date) || !/^[0-9a-f]{64}$/.test(signature)) return undefined;
  const list = (s: string | undefined): string[] => (s ? s.split(';').filter((x) => x.length > 0) : []);
  return { secretId, date, service, signedParams: list(fields.get('SignedParams')), signedHeaders: list(signedHeaders), signature };
}

/** A form field as received: strings were sent as text parts, Buffers as parts with a Content-Type. */
export type SignedValue = string | Buffer;

export interface Tc3VerifyInput {
  readonly auth: Tc3Authorization;
  readonly secretKey: string;
  /** The X-Timestamp header, in seconds. */
  readonly timestamp: number;
  /** `//host/path` — the URL the client signed, without scheme and query. */
  readonly signedUrl: string;
  /** The raw query string (without `?`). */
  readonly query: string;
  /** Lower-cased header name → value, as received. */
  readonly headers: (name: string) => string | undefined;
  /** Lower-cased field name → value. */
  readonly params: ReadonlyMap<string, SignedValue>;
}

/** The canonical form of one signed header value, as formatKeyAndValue(…, {enableValueToLowerCase}) makes it. */
function canonicalHeaderValue(name: string, value: string): string {
  // The signer special-cases content-type: a multipart type loses its boundary, any other is taken verbatim.
  if (name === 'content-type') return value.startsWith('multipart/form-data') ? 'multipart/form-data' : value;
  return value.trim().toLowerCase();
}

/** Hex sha256 of the signed params, in the client's order (its sort uses localeCompare; we never re-sort). */
export function payloadHash(signedParams: readonly string[], params: ReadonlyMap<string, SignedValue>): string {
  const hash = createHash('sha256');
  for (const key of signedParams) {
    const value = params.get(key);
    if (value === undefined) continue;
    hash.update(`&${key}=`);
    hash.update(typeof value === 'string' ? value.trim() : value);
    hash.update('\r\n');
  }
  return hash.digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** The hex signature for a canonical request; exported so tests can sign like the SDK does. */
export function tc3Signature(options: { secretKey: string; date: string; service: string; timestamp: number; canonicalRequest: string }): string {
  const { secretKey, date, service, timestamp, canonicalRequest } = options;
  const scope = `${date}/${service}/${TERMINATOR}`;
  const stringToSign = `${ALGORITHM}\n${timestamp}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
  const signing = hmac(hmac(hmac(`TC3${secretKey}`, date), service), TERMINATOR);
  return createHmac('sha256', signing).update(stringToSign).digest('hex');
}

export function canonicalRequest(options: {
  method: string;
  signedUrl: string;
  query: string;
  signedHeaders: readonly string[];
  headers: (name: string) => string | undefined;
  payloadHash: string;
}): string {
  const lines = options.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(name, options.headers(name) ?? '')}\n`).join('');
  return `${options.method}\n${options.signedUrl}\n${options.query}\n${lines}\n${options.signedHeaders.join(';')}\n${options.payloadHash}`;
}

/** The UTC date (YYYY-MM-DD) of a Unix time, as the credential scope carries it. */
export function scopeDate(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 10);
}

/** True when the signature matches (compared in constant time). Freshness and field coverage are checked by the caller. */
export function verifyTc3(input: Tc3VerifyInput): boolean {
  const { auth } = input;
  if (auth.date !== scopeDate(input.timestamp)) return false;
  const hash = payloadHash(auth.signedParams, input.params);
  const expected = Buffer.from(auth.signature, 'hex');
  let ok = false;
  // @cloudbase/node-sdk signs with the method in lower case; other signers use upper case. Both are tried, always.
  for (const method of ['post', 'POST']) {
    const canonical = canonicalRequest({
      method,
      signedUrl: input.signedUrl,
      query: input.query,
      signedHeaders: auth.signedHeaders,
      headers: input.headers,
      payloadHash: hash,
    });
    const actual = Buffer.from(tc3Signature({ secretKey: input.secretKey, date: auth.date, service: auth.service, timestamp: input.timestamp, canonicalRequest: canonical }), 'hex');
    ok = sameBytes(actual, expected) || ok;
  }
  return ok;
}

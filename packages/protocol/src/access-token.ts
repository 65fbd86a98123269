import { APPID_MAX_LENGTH } from './apps.ts';
import { mac, sameBytes } from './signing.ts';

/**
 * wxmedia's access tokens verify themselves: base64url of
 *
 *   [0]     version (1)
 *   [1]     lane: 1 = /cgi-bin/token, 2 = /cgi-bin/stable_token (the two rotate independently)
 *   [2..5]  generation within the lane, big-endian
 *   [6..9]  issued_at, Unix seconds, big-endian
 *   [10]    appid length n
 *   [11..]  appid (n bytes), then HMAC-SHA256 of everything before, truncated to 20 bytes
 *
 * so checking one costs an HMAC and a look at the lane's current generation (cached in memory). Minting is
 * deterministic: (lane, generation, issued_at) already names one token, and stable_token must hand out the *same*
 * token again without storing it. Real WeChat tokens are opaque and up to 512 characters; clients must not read
 * anything into ours either.
 */
export type TokenLane = 'token' | 'stable';
const LANE_CODE: Record<TokenLane, number> = { token: 1, stable: 2 };
const VERSION = 1;
const MAC_BYTES = 20;

export interface TokenFacts {
  readonly appid: string;
  readonly lane: TokenLane;
  readonly generation: number;
  readonly issuedAt: number;
}

export function mintAccessToken(key: Uint8Array, facts: TokenFacts): string {
  const appid = Buffer.from(facts.appid, 'utf8');
  if (appid.length > APPID_MAX_LENGTH) throw new RangeError('appid too long for a token');
  const head = Buffer.alloc(11);
  head[0] = VERSION;
  head[1] = LANE_CODE[facts.lane];
  head.writeUInt32BE(facts.generation >>> 0, 2);
  head.writeUInt32BE(facts.issuedAt >>> 0, 6);
  head[10] = appid.length;
  const body = Buffer.concat([head, appid]);
  return Buffer.concat([body, mac(key, body, MAC_BYTES)]).toString('base64url');
}

export type TokenCheck =
  | { readonly ok: true; readonly facts: TokenFacts }
  /** malformed → 40014; forged (well formed, HMAC wrong: another server's or tampered) → 40001. */
  | { readonly ok: false; readonly reason: 'malformed' | 'forged' };

const TOKEN_CHARS = /^[A-Za-z0-9_-]{40,700}$/;

export function readAccessToken(key: Uint8Array, token: string): TokenCheck {
  if (!TOKEN_CHARS.test(token)) return { ok: false, reason: 'malformed' };
  const b = Buffer.from(token, 'base64url');
  if (b.toString('base64url') !== token || b[0] !== VERSION) return { ok: false, reason: 'malformed' };
  const n = b[10] ?? 0;
  if (b.length !== 11 + n + MAC_BYTES) return { ok: false, reason: 'malformed' };
  const lane = b[1] === 1 ? 'token' : b[1] === 2 ? 'stable' : undefined;
  if (!lane) return { ok: false, reason: 'malformed' };
  const bodyEnd = b.length - MAC_BYTES;
  if (!sameBytes(b.subarray(bodyEnd), mac(key, b.subarray(0, bodyEnd), MAC_BYTES))) return { ok: false, reason: 'forged' };
  return {
    ok: true,
    facts: { lane, generation: b.readUInt32BE(2), issuedAt: b.readUInt32BE(6), appid: b.subarray(11, 11 + n).toString('utf8') },
  };
}

/**
 * Reading rids: browser-safe (the dashboard reaches this file through wire.ts), so no Node import here. Making one
 * (newRid) is the server's business: rid-mint.ts.
 */

/**
 * A WeChat request id: three groups of 8 lower-case hex characters, the first being the request's Unix time in
 * hex (e.g. `6aac005a-355b48ab-4c5b487e`). The server logs every request with its rid, so a user can look a
 * failed call up by the rid in its errmsg.
 */
export const RID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;

/** The Unix time (seconds) a rid was made at. */
export function ridTime(rid: string): number | undefined {
  return RID_PATTERN.test(rid) ? Number.parseInt(rid.slice(0, 8), 16) : undefined;
}

/** errmsg as WeChat writes it: `<text> rid: <rid>`. */
export function errmsgWithRid(text: string, rid: string): string {
  return `${text} rid: ${rid}`;
}

/** The rid at the end of an errmsg, if any (`… rid: x`, `…, rid: x`). */
export function ridOfErrmsg(errmsg: string): string | undefined {
  const m = /rid: ([0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8})\s*$/.exec(errmsg);
  return m?.[1];
}

/**
 * Renders docs/errcodes.md from the errcode catalog (packages/protocol/src/errcodes.ts).
 * `node --conditions=@wxmedia/source --import tsx scripts/errcodes-doc.ts > docs/errcodes.md` (the condition reads the
 * catalog from the sources, not from a possibly stale build); packages/protocol/src/errcodes.test.ts fails
 * when the two disagree.
 */
import { ERRCODES } from '@wxmedia/protocol';

/**
 * The answers that are not HTTP 200, and why. Written here (not in the catalog) because they are HTTP's, not
 * WeChat's: what a front proxy would answer for malformed or abusive HTTP, and wxmedia's own APIs' statuses.
 */
const NOT_200 = [
  '## Answers that are not HTTP 200',
  '',
  'WeChat answers every API error with HTTP 200 and the envelope, and so does wxmedia for every request that reaches',
  'an API. The exceptions are HTTP-level, where a client (or a proxy in front of it) must see the status; those that',
  'carry a body carry the same envelope with a rid, and the server logs them at info level as the client\'s doing.',
  '',
  '| status | when | body |',
  '|---|---|---|',
  '| 206 | `/cgi-bin/media/get` (or a video URL) with a satisfiable `Range` | the bytes asked for |',
  '| 400 | HTTP that Node\'s parser refuses: a malformed request line or header, an unknown method, a bad chunked body, `Content-Length` with `Transfer-Encoding`, a body the client cut short | envelope, -1; connection closed |',
  '| 405 | `CONNECT`: no tunnel here, and any 2xx would tell the client its tunnel is open (RFC 9110 §9.3.6); other methods no route takes get 40066 with HTTP 200 | envelope, 40066; connection closed |',
  '| 408 | the request line and headers not in within `--headers-timeout` (default 60 s); a body that pauses longer than `--idle-timeout` (60 s) or averages below `--min-body-rate` (1024 bytes/s) | envelope, -1; connection closed |',
  '| 416 | a `Range` that cannot be satisfied | empty, with `Content-Range: bytes */<size>` |',
  '| 431 | a request line and headers over 16 KiB | envelope, -1; connection closed |',
  '| 503 | a connection beyond `--max-connections` (default 10 000), answered before it is read, with `Retry-After: 1`; a request that arrives on a kept-alive connection while the server shuts down | envelope, -1; connection closed |',
  '| 400, 401, 404, 409, 429, 500 | wxmedia\'s own admin API (`/wxmedia/admin/*`, docs/emulator.md): `errcode` is the status, except 429 (45011: too many wrong admin keys from the address this minute, with `Retry-After`) and 500 (-1, only for a fault of the server itself); `code` names the error (ADMIN_ERRORS, docs/http-api.md) | `{errcode, errmsg, code}` with the rid |',
  '| 401, 429 | `GET /metrics` with `--metrics admin` and no, or too many wrong, admin keys | text |',
  '| 404 | a video URL (`/wxmedia/video/…`) that is unknown, expired or wrongly signed, as a CDN answers | text |',
  '| 503 | `/wxmedia/dashboard/` in a checkout whose dashboard was never built | text saying how to build it |',
  '| 503 | `GET /healthz` (readiness) while a store does not answer within 2 s; `/healthz/live` stays 200 (docs/deployment.md) | `{"status", "stores"}` |',
  '',
  'A client that goes away mid-request gets nothing (there is no one to answer). A connection on which nothing moves',
  'either way for longer than both the headers and the idle timeouts (a download nobody reads) is closed without a',
  'reply.',
  '',
];

export function renderErrcodesDoc(): string {
  const rows = Object.values(ERRCODES)
    .slice()
    .sort((a, b) => a.errcode - b.errcode)
    .map((e) => `| ${e.errcode} | ${e.errmsg.replaceAll('|', '\\|')} | ${e.when.replaceAll('|', '\\|')} |`);
  return [
    '# Errcodes wxmedia sends',
    '',
    'Every reply below is HTTP 200 with `{"errcode": N, "errmsg": "<errmsg> rid: <rid>"}`, where the rid\'s first group',
    'is the request\'s Unix time in hex and the server logs every request with its rid. `errmsg` texts are WeChat\'s own,',
    'misspellings included, because clients match on them. This table is generated from',
    '`packages/protocol/src/errcodes.ts` by',
    '`node --conditions=@wxmedia/source --import tsx scripts/errcodes-doc.ts > docs/errcodes.md`; a test fails when they',
    'disagree.',
    '',
    '| errcode | errmsg | when |',
    '|---|---|---|',
    ...rows,
    '',
    'Cloud calls (wx-server-sdk) receive the same errcodes as `errCode`, with `errMsg`',
    '`openapi.customerServiceMessage.<api>:fail <errmsg> rid: <rid>`; see docs/cloud-call.md for the gateway\'s own errors.',
    '',
    ...NOT_200,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(renderErrcodesDoc());

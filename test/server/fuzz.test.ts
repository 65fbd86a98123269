/**
 * A bounded fuzzer over real sockets: a few thousand requests built from valid ones (tokens, uploads, gets, quota
 * calls, cloud calls, the admin API) and mutated from a fixed seed — parameter names percent-encoded, upper-cased,
 * bracketed or repeated; bodies flipped, cut and padded; Content-Type and Content-Length wrong; methods swapped;
 * clients that vanish mid-request. Afterwards:
 *
 *   - no reply was a 5xx, and the server still answers;
 *   - no log line at error level (each fault here is the client's; the server's own would be a bug);
 *   - no secret, token or admin key in the log, in any spelling;
 *   - staging/ is empty.
 *
 * An unhandled rejection anywhere fails the test run (scripts/test.sh, scripts/fail-on-unhandled.mjs).
 * WXMEDIA_FUZZ_SEED and WXMEDIA_FUZZ_COUNT replay or widen a run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLOUD_APIS } from '@wxmedia/protocol';
import { encodeCommApiData } from '../../packages/server/src/cloud/protobuf.ts';
import { signGatewayCall } from '../cloud/helpers.ts';
import { jpeg, png } from '../helpers/images.ts';
import { LEVEL, logOf } from '../helpers/log-capture.ts';
import { BOUNDARY, multipartBody, rawRequest, type RawResponse } from '../helpers/raw-http.ts';
import { TEST_APPS, startServer, uploadMedia, type InProcessServer } from '../helpers/server.ts';

const SEED = Number(process.env['WXMEDIA_FUZZ_SEED'] ?? 20261126);
const COUNT = Number(process.env['WXMEDIA_FUZZ_COUNT'] ?? 3000);
const WORKERS = 8;
const APP = TEST_APPS[0];

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(SEED);
const chance = (p: number) => random() < p;
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (max: number) => Math.floor(random() * max);

/** A request before mutation: method, path, ordered query pairs, headers, body. */
interface Shape {
  method: string;
  path: string;
  query: [string, string][];
  headers: [string, string][];
  body: Buffer;
}

/** How a request leaves the client: whole, or cut off at `abortAt` bytes (the client vanishes). */
interface Planned {
  readonly pieces: Buffer[];
  readonly abort: boolean;
}

let s: InProcessServer;
const log = logOf({ logs: () => s?.logs() ?? '' });
const secrets: string[] = [APP.secret, TEST_APPS[1].secret];
let token = '';
let mediaId = '';

before(async () => {
  // Short timeouts, so that a lying Content-Length costs the fuzzer half a second, not a minute.
  s = await startServer({ logLevel: 'debug', timeouts: { headersSeconds: 1, idleSeconds: 0.5 }, credentialFailuresPerMinute: 0 });
  token = await s.token();
  const uploaded = await uploadMedia(s.url, token, { filename: 'seed.jpg', bytes: jpeg({ size: 5000 }) });
  assert.equal(uploaded.errcode, 0);
  mediaId = uploaded.media_id!;
  secrets.push(s.server.adminKey, token);
});
after(() => s?.stop());

// ------------------------------------------------------------------------------------------ valid requests

function jsonShape(path: string, query: [string, string][], body: object): Shape {
  return { method: 'POST', path, query, headers: [['Content-Type', 'application/json']], body: Buffer.from(JSON.stringify(body)) };
}

function template(): Shape {
  switch (int(10)) {
    case 0:
    case 1:
      return {
        method: 'GET',
        path: '/cgi-bin/token',
        query: [['grant_type', 'client_credential'], ['appid', APP.appid], ['secret', APP.secret]],
        headers: [],
        body: Buffer.alloc(0),
      };
    case 2:
      return jsonShape('/cgi-bin/stable_token', [], { grant_type: 'client_credential', appid: APP.appid, secret: APP.secret, force_refresh: chance(0.1) });
    case 3:
    case 4: {
      const image = chance(0.5) ? jpeg({ size: 500 + int(20_000) }) : png({ size: 500 + int(20_000) });
      const filename = image[0] === 0xff ? 'a.jpg' : 'a.png';
      return {
        method: 'POST',
        path: '/cgi-bin/media/upload',
        query: [['access_token', token], ['type', 'image']],
        headers: [['Content-Type', `multipart/form-data; boundary=${BOUNDARY}`]],
        body: multipartBody(BOUNDARY, [{ name: 'media', filename, contentType: 'image/jpeg', body: image }]),
      };
    }
    case 5:
    case 6:
      return {
        method: chance(0.2) ? 'HEAD' : 'GET',
        path: '/cgi-bin/media/get',
        query: [['access_token', token], ['media_id', mediaId]],
        headers: chance(0.3) ? [['Range', pick(['bytes=0-99', 'bytes=-10', 'bytes=100-', 'bytes=5-1', 'bytes=0-0,5-9', 'lines=1-2'])]] : [],
        body: Buffer.alloc(0),
      };
    case 7:
      return pick([
        jsonShape('/cgi-bin/openapi/quota/get', [['access_token', token]], { cgi_path: '/cgi-bin/media/upload' }),
        jsonShape('/cgi-bin/clear_quota', [['access_token', token]], { appid: APP.appid }),
      ]);
    case 8: {
      const url = `${s.url}/admin?env=${APP.appid}`;
      const fields = {
        action: 'wx.openApi',
        apiName: pick([CLOUD_APIS.getTempMedia, CLOUD_APIS.uploadTempMedia]),
        requestData: encodeCommApiData({ pairs: [{ key: 'media_id', value: Buffer.from(JSON.stringify(mediaId)) }] }),
        envName: APP.appid,
      };
      const signed = signGatewayCall({ url, secretId: APP.appid, secretKey: APP.secret, fields });
      return {
        method: 'POST',
        path: '/admin',
        query: [['env', APP.appid]],
        headers: Object.entries(signed.headers)
          .filter(([k]) => k !== 'content-length')
          .map(([k, v]) => [k, String(v)]),
        body: signed.body,
      };
    }
    default:
      return {
        method: 'GET',
        path: pick(['/wxmedia/admin/apps', '/wxmedia/admin/media', '/healthz', '/metrics', '/cgi-bin/nope', '/']),
        query: chance(0.3) ? [['key', s.server.adminKey]] : [],
        headers: chance(0.7) ? [['Authorization', `Bearer ${s.server.adminKey}`]] : [],
        body: Buffer.alloc(0),
      };
  }
}

// ---------------------------------------------------------------------------------------------- mutations

/** `%XX` (hex in either case) for some, or all, characters: spellings the router decodes back to the text. */
function percentSome(text: string, all = false): string {
  const hex = (c: string) => c.charCodeAt(0).toString(16).padStart(2, '0');
  return [...text].map((c) => (all || chance(0.4) ? `%${chance(0.5) ? hex(c).toUpperCase() : hex(c)}` : c)).join('');
}

/** Every character as `%xx` or `%XX`: the spellings of a credential a log must not hold either. */
function encodedForms(text: string): string[] {
  const lower = [...Buffer.from(text)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  return [lower, lower.toUpperCase()];
}

const NAME_MUTATIONS: ((name: string) => string)[] = [
  (n) => percentSome(n),
  (n) => percentSome(n, true),
  (n) => n.toUpperCase(),
  (n) => `${n}[]`,
  (n) => `${n}%5B%5D`,
  (n) => percentSome(percentSome(n, true), true), // double encoding
  (n) => ` ${n}`,
  (n) => n.replace('_', '+'),
];

function mutateQuery(q: [string, string][]): void {
  if (q.length === 0) return;
  const i = int(q.length);
  const [name, value] = q[i]!;
  switch (int(6)) {
    case 0:
      q[i] = [pick(NAME_MUTATIONS)(name), value];
      break;
    case 1:
      q.splice(int(q.length + 1), 0, [name, chance(0.5) ? value : 'x']); // a repeated name
      break;
    case 2:
      q.splice(i, 1);
      break;
    case 3:
      q[i] = [name, chance(0.5) ? value.slice(0, int(value.length + 1)) : percentSome(value, true)];
      break;
    case 4:
      q.push([pick(['type', 'media_id', 'x', '', '%', '&', 'grant_type']), pick(['', 'video', '%ZZ', 'a'.repeat(int(300)), '\u00e9'])]);
      break;
    default:
      q.reverse();
  }
}

function mutateBody(body: Buffer): Buffer {
  if (body.length === 0) return chance(0.5) ? Buffer.from(pick(['{}', '{', 'null', '[]', '--x--', '\u0000'])) : body;
  const b = Buffer.from(body);
  switch (int(5)) {
    case 0:
      for (let k = 0; k < 1 + int(8); k++) b[int(b.length)] = int(256);
      return b;
    case 1:
      return b.subarray(0, int(b.length));
    case 2: {
      const at = int(b.length);
      return Buffer.concat([b.subarray(0, at), Buffer.from(pick(['\r\n', `--${BOUNDARY}\r\n`, `\r\n--${BOUNDARY}--\r\n`, '\r\n\r\n', 'x'.repeat(1000)])), b.subarray(at)]);
    }
    case 3:
      return Buffer.concat([b, b.subarray(0, int(b.length))]);
    default:
      return Buffer.alloc(0);
  }
}

function mutateHeaders(shape: Shape): void {
  switch (int(7)) {
    case 0:
      shape.headers = shape.headers.filter(([k]) => k.toLowerCase() !== 'content-type');
      break;
    case 1:
      shape.headers = shape.headers.filter(([k]) => k.toLowerCase() !== 'content-type');
      shape.headers.push(['Content-Type', pick(['', ' ', ';', '/', 'multipart/form-data', 'multipart/form-data; boundary=', `multipart/form-data; boundary="${BOUNDARY}"`, 'text/plain', 'a/b/c'])]);
      break;
    case 2:
      shape.headers.push(['Expect', '100-continue']);
      break;
    case 3:
      shape.headers.push(['X-Pad', 'p'.repeat(pick([10, 1000, 20_000]))]);
      break;
    case 4:
      shape.headers.push([pick(['Transfer-Encoding', 'Content-Encoding', 'Upgrade', 'Connection', 'Host']), pick(['chunked', 'gzip', 'websocket', 'keep-alive', '', 'h2c'])]);
      break;
    case 5:
      shape.headers.push(['Authorization', pick([`Bearer ${s.server.adminKey}`, 'Bearer wrong', `TC3-HMAC-SHA256 Credential=${APP.appid}/x`, 'Basic Zm9v'])]);
      break;
    default:
      shape.method = pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'get', 'G ET', 'BREW']);
  }
}

function render(shape: Shape): Planned {
  const query = shape.query.map(([k, v]) => (v === '' && chance(0.3) ? k : `${k}=${v}`)).join('&');
  let target = query === '' ? shape.path : `${shape.path}?${query}`;
  if (chance(0.02)) target = `http://127.0.0.1${target}`;
  if (chance(0.02)) target = target.replace('?', '#');
  const method = chance(0.01) ? 'CONNECT' : shape.method;
  const chunked = chance(0.08);
  const lines = [`${method} ${target} ${chance(0.02) ? pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x']) : 'HTTP/1.1'}`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [k, v] of shape.headers) lines.push(`${k}: ${v}`);
  let body = shape.body;
  if (chunked) {
    lines.push('Transfer-Encoding: chunked');
    const parts: Buffer[] = [];
    for (let i = 0; i < body.length; i += 4096) {
      const c = body.subarray(i, i + 4096);
      parts.push(Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n'));
    }
    body = Buffer.concat([...parts, Buffer.from(chance(0.9) ? '0\r\n\r\n' : 'zz\r\n')]);
  } else if (body.length > 0 || shape.method === 'POST') {
    // Usually honest; sometimes short (the rest reads as a next request) or long (the server waits: idle timeout).
    const lie = chance(0.05) ? pick([-10, -1, 1, 50]) : 0;
    lines.push(`Content-Length: ${Math.max(0, body.length + lie)}`);
  }
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  const whole = Buffer.concat([head, body]);
  const abort = chance(0.05);
  if (abort) return { pieces: [whole.subarray(0, int(whole.length))], abort };
  const split = int(whole.length);
  return { pieces: chance(0.3) ? [whole.subarray(0, split), whole.subarray(split)] : [whole], abort };
}

function fuzzedRequest(): Planned {
  const shape = template();
  const rounds = int(4);
  for (let r = 0; r < rounds; r++) {
    const what = int(3);
    if (what === 0) mutateQuery(shape.query);
    else if (what === 1) shape.body = mutateBody(shape.body);
    else mutateHeaders(shape);
  }
  return render(shape);
}

// ------------------------------------------------------------------------------------------------- the run

describe(`fuzzing (seed ${SEED}, ${COUNT} requests)`, () => {
  const statuses = new Map<number | 'none', number>();
  const tokensSeen = new Set<string>();

  it('sends every request; no reply is a 5xx', { timeout: 120_000 }, async () => {
    // Plans are made up front, in order, so the run is the same whatever the timing of replies.
    const plans = Array.from({ length: COUNT }, () => fuzzedRequest());
    let next = 0;
    const worker = async () => {
      while (next < plans.length) {
        const plan = plans[next++]!;
        const res: RawResponse | undefined = await rawRequest(s.port, plan.pieces, plan.abort ? { after: 'destroy' } : {});
        const key = res?.status ?? 'none';
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        if (res && res.status >= 500) assert.fail(`${res.statusLine}: ${res.body.toString().slice(0, 200)}`);
        const issued = /"access_token":"([^"]+)"/.exec(res?.body.toString('latin1') ?? '');
        if (issued) tokensSeen.add(issued[1]!);
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    const summary = [...statuses].map(([k, n]) => `${k}: ${n}`).join(', ');
    console.log(`# fuzz statuses: ${summary}`);
    assert.ok((statuses.get(200) ?? 0) > COUNT / 4, `enough requests got through to the routes (${summary})`);
  });

  it('the server is up, staging is empty, and the log holds no error line and no credential', async () => {
    const health = await fetch(`${s.url}/healthz`);
    assert.equal(health.status, 200);
    await health.arrayBuffer();

    let staging = await s.leftovers();
    for (let i = 0; i < 100 && staging.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      staging = await s.leftovers();
    }
    assert.deepEqual(staging, [], 'no staging residue');

    const errors = log.lines().filter((l) => l.level >= LEVEL.error);
    assert.deepEqual(errors.slice(0, 5), [], `${errors.length} error-level lines`);

    const text = log.text();
    // Tokens share a leading format prefix; their tails (the MAC) are what must never show.
    for (const secret of [...secrets, ...tokensSeen]) {
      for (const form of [secret, encodeURIComponent(secret), ...encodedForms(secret), secret.slice(-16)]) {
        assert.ok(!text.includes(form), `a credential appears in the log (…${form.slice(-8)})`);
      }
    }
    assert.ok(tokensSeen.size > 10, 'tokens were issued along the way');
  });
});

// Wire-level behaviour against a fake WeChat: the multipart part, the error-vs-image decision, retries and what
// may never be retried, timeouts, and redaction of every message and log line.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { answerTokens, fakeWeChat, json } from '../../../test/helpers/fake-wechat.ts';
import { WeChatClient } from './client.ts';
import { NetworkError, TimeoutError, UnexpectedResponseError, WeChatError } from './errors.ts';
import { createUndiciTransport } from './undici-transport.ts';

const CREDS = { appid: 'wxunit0000000001', secret: 'unit-secret-value-0123456789' };
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
const fast = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 };

describe('the upload part', () => {
  test('plain filename="name.ext" with the extension and type the bytes call for; never filename*=', async () => {
    const fake = await fakeWeChat((req, res) => {
      if (!answerTokens(req, res)) json(res, { errcode: 0, errmsg: 'ok', type: 'image', media_id: 'M'.repeat(64), created_at: '1700000000', item: [] }, 'text/plain');
    });
    const client = new WeChatClient({ ...CREDS, baseUrl: fake.url });
    try {
      const reply = await client.https.uploadTempMedia({ type: 'image', media: Readable.from([PNG]) });
      assert.equal(reply.created_at, 1700000000, 'created_at given as a string becomes a number');
      await client.https.uploadTempMedia({ type: 'image', media: PNG, filename: 'über "photo"' });
      const [first, second] = fake.requests.filter((r) => r.path === '/cgi-bin/media/upload');
      const head1 = first?.body.subarray(0, 300).toString('latin1') ?? '';
      assert.match(head1, /Content-Disposition: form-data; name="media"; filename="media\.png"\r\nContent-Type: image\/png\r\n/);
      assert.doesNotMatch(head1, /filename\*/);
      assert.equal(Number(first?.headers['content-length']), first?.body.length);
      assert.ok(first?.body.includes(PNG));
      const head2 = second?.body.subarray(0, 300).toString('latin1') ?? '';
      assert.match(head2, /filename="_ber _photo_\.png"/, 'non-ASCII and quotes replaced, extension added');
      assert.equal(first?.query.get('type'), 'image');
    } finally {
      await client.close();
      await fake.close();
    }
  });

  test('a stream longer than the limit is refused before anything is sent', async () => {
    const fake = await fakeWeChat((req, res) => void answerTokens(req, res));
    const client = new WeChatClient({ ...CREDS, baseUrl: fake.url, maxUploadBytes: 1000 });
    try {
      await assert.rejects(client.https.uploadTempMedia({ type: 'image', media: Readable.from([PNG, Buffer.alloc(2000)]) }), { name: 'MediaInputError', reason: 'too-large' });
      assert.equal(fake.requests.filter((r) => r.path === '/cgi-bin/media/upload').length, 0);
    } finally {
      await client.close();
      await fake.close();
    }
  });
});

describe('error or image: decided by the body', () => {
  test('error JSON sent as image/jpeg is still an error; an image sent as text/plain is still an image', async () => {
    const fake = await fakeWeChat((req, res) => {
      if (answerTokens(req, res)) return;
      if (req.query.get('media_id') === 'bad') return json(res, { errcode: 40007, errmsg: 'invalid media_id rid: 6aac005a-355b48ab-4c5b487e' }, 'image/jpeg');
      res.writeHead(200, { 'content-type': 'text/plain', 'content-disposition': 'attachment; filename="good.png"' });
      res.end(PNG);
    });
    const client = new WeChatClient({ ...CREDS, baseUrl: fake.url });
    try {
      await assert.rejects(client.https.getTempMedia({ media_id: 'bad' }), (e: unknown) => e instanceof WeChatError && e.errcode === 40007 && e.rid === '6aac005a-355b48ab-4c5b487e');
      const good = await client.https.getTempMedia({ media_id: 'good' });
      assert.ok(good.buffer.equals(PNG));
      assert.equal(good.filename, 'good.png');
    } finally {
      await client.close();
      await fake.close();
    }
  });
});

describe('retries', () => {
  test('-1 on a download is retried (idempotent); -1 on an upload is not', async () => {
    const fake = await fakeWeChat((req, res, attempt) => {
      if (answerTokens(req, res)) return;
      if (req.path === '/cgi-bin/media/get' && attempt >= 3) {
        res.writeHead(200, { 'content-type': 'image/png' });
        return void res.end(PNG);
      }
      json(res, { errcode: -1, errmsg: 'system error rid: 6aac005a-355b48ab-4c5b487e' });
    });
    const client = new WeChatClient({ ...CREDS, baseUrl: fake.url, retry: fast });
    try {
      assert.ok((await client.https.getTempMedia({ media_id: 'x' })).buffer.equals(PNG));
      assert.equal(fake.requests.filter((r) => r.path === '/cgi-bin/media/get').length, 3);
      await assert.rejects(client.https.uploadTempMedia({ type: 'image', media: PNG }), (e: unknown) => e instanceof WeChatError && e.errcode === -1);
      assert.equal(fake.requests.filter((r) => r.path === '/cgi-bin/media/upload').length, 1, 'an upload that reached the server is never repeated');
    } finally {
      await client.close();
      await fake.close();
    }
  });

  test('a connection reset after the upload was sent is not retried; the same on a download is', async () => {
    const fake = await fakeWeChat((req, res) => {
      if (answerTokens(req, res)) return;
      res.socket?.destroy();
    });
    const client = new WeChatClient({ ...CREDS, baseUrl: fake.url, retry: fast });
    try {
      await assert.rejects(client.https.uploadTempMedia({ type: 'image', media: PNG }), (e: unknown) => e instanceof NetworkError && e.reachedServer);
      assert.equal(fake.requests.filter((r) => r.path === '/cgi-bin/media/upload').length, 1);
      await assert.rejects(client.https.getTempMedia({ media_id: 'x' }), NetworkError);
      assert.equal(fake.requests.filter((r) => r.path === '/cgi-bin/media/get').length, 3, 'first try + 2 retries');
    } finally {
      await client.close();
      await fake.close();
    }
  });

  test('an upload that provably never left (connection refused) is retried', async () => {
    const port = await closedPort();
    const attempts: string[] = [];
    const inner = createUndiciTransport();
    const client = new WeChatClient({
      tokenProvider: { getToken: async () => 'T'.repeat(40) },
      baseUrl: `http://127.0.0.1:${port}`,
      retry: fast,
      transport: { request: (r, c) => (attempts.push(r.url), inner.request(r, c)), close: () => inner.close?.() ?? Promise.resolve() },
    });
    try {
      await assert.rejects(client.https.uploadTempMedia({ type: 'image', media: PNG }), (e: unknown) => e instanceof NetworkError && !e.reachedServer && e.code === 'ECONNREFUSED');
      assert.equal(attempts.length, 3);
    } finally {
      await client.close();
      await inner.close?.();
    }
  });

  test('no answer within headersMs is a TimeoutError, not a NetworkError', async () => {
    const fake = await fakeWeChat((req, res) => void answerTokens(req, res)); // media/get never answered
    const client = new WeChatClient({ ...CREDS, baseUrl: fake.url, timeouts: { headersMs: 200 }, retry: { maxRetries: 0 } });
    try {
      await assert.rejects(client.https.getTempMedia({ media_id: 'x' }), (e: unknown) => e instanceof TimeoutError && e.phase === 'headers' && !(e instanceof NetworkError));
    } finally {
      await client.close();
      await fake.close();
    }
  });

  test('an HTML error page from a proxy is an UnexpectedResponseError with its status', async () => {
    const fake = await fakeWeChat((req, res) => {
      if (answerTokens(req, res)) return;
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>bad gateway</html>');
    });
    const client = new WeChatClient({ ...CREDS, baseUrl: fake.url, retry: { maxRetries: 0 } });
    try {
      await assert.rejects(client.https.getApiQuota({ cgi_path: '/cgi-bin/media/upload' }), (e: unknown) => e instanceof UnexpectedResponseError && e.status === 502);
    } finally {
      await client.close();
      await fake.close();
    }
  });
});

describe('redaction', () => {
  test('no error message, serialised error or log line carries the token or the secret', async () => {
    const token = 'SeCrEtToKeN-with-dashes_and_underscores-0123456789';
    const fake = await fakeWeChat((req, res) => {
      if (answerTokens(req, res, token)) return;
      if (req.path === '/cgi-bin/media/get') return void res.socket?.destroy();
      // A server that echoes the request back in its errmsg must not leak it through us either.
      json(res, { errcode: 40001, errmsg: `invalid credential access_token=${token}&secret=${CREDS.secret} rid: 6aac005a-355b48ab-4c5b487e` });
    });
    const lines: string[] = [];
    const logger = { debug: (m: string) => lines.push(m), warn: (m: string) => lines.push(m) };
    const client = new WeChatClient({ ...CREDS, baseUrl: fake.url, logger, tokenGrant: 'token', retry: fast });
    const seen: string[] = [];
    const capture = (e: unknown): boolean => {
      const err = e as Error & { cause?: unknown };
      seen.push(err.message, String(err), JSON.stringify(err), err.stack ?? '');
      return true;
    };
    try {
      await assert.rejects(client.https.getApiQuota({ cgi_path: '/x' }), capture);
      await assert.rejects(client.https.getTempMedia({ media_id: 'x' }), capture);
      await assert.rejects(client.openapi.customerServiceMessage.getTempMedia({ mediaId: 'x' }), capture);
      const everything = [...seen, ...lines].join('\n');
      assert.ok(lines.length > 0 && seen.length > 0);
      assert.ok(!everything.includes(token), `the token leaked: ${[...seen, ...lines].filter((s) => s.includes(token)).join(' // ')}`);
      assert.ok(!everything.includes(CREDS.secret), 'the secret leaked');
      assert.match(everything, /access_token=\[REDACTED\]/);
    } finally {
      await client.close();
      await fake.close();
    }
  });
});

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

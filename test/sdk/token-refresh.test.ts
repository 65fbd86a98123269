// Tokens replaced or expired behind the client's back: exactly one refresh and one replay, the stream body
// replayed whole, and no loop when the fresh token is refused as well.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ERRCODES, PATHS, TOKEN_OVERLAP_SECONDS, TOKEN_TTL_SECONDS } from '@wxmedia/protocol';
import { WeChatClient, WeChatError, type TokenProvider } from '@wxmedia/sdk';
import { APP, startServer, type InProcessServer } from '../helpers/server.ts';
import { png } from '../helpers/images.ts';
import { recordingTransport } from './fixtures/recording-transport.ts';

let srv: InProcessServer;

before(async () => {
  srv = await startServer();
});
after(() => srv.stop());

/** Another caller (another process, another SDK) asking for a token with the same credentials. */
async function otherCallerToken(path: 'token' | 'stable_force'): Promise<string> {
  const res =
    path === 'token'
      ? await fetch(`${srv.url}${PATHS.token}?grant_type=client_credential&appid=${APP.appid}&secret=${APP.secret}`)
      : await fetch(`${srv.url}${PATHS.stableToken}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ grant_type: 'client_credential', appid: APP.appid, secret: APP.secret, force_refresh: true }),
        });
  const json = (await res.json()) as { access_token?: string; errcode?: number };
  assert.ok(json.access_token, `other caller got no token: errcode ${json.errcode}`);
  return json.access_token;
}

function oneShotStream(bytes: Buffer): Readable {
  // Small chunks, so a half-consumed stream would be obvious in the stored bytes.
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 8192) chunks.push(bytes.subarray(i, i + 8192));
  return Readable.from(chunks);
}

async function assertStored(client: WeChatClient, mediaId: string | undefined, bytes: Buffer): Promise<void> {
  const got = await client.https.getTempMedia({ media_id: mediaId as string });
  assert.ok(got.buffer.equals(bytes), 'the replayed upload stored different bytes');
}

describe('token replaced behind the client\'s back', () => {
  beforeEach(() => {
    // Each test starts past any overlap window left by the previous one.
    srv.clock.advance(TOKEN_OVERLAP_SECONDS + 1);
  });

  test('/cgi-bin/token grant: another caller replaces the token, the overlap passes, a stream upload refreshes once and replays', async () => {
    const transport = recordingTransport();
    const client = new WeChatClient({ ...APP, baseUrl: srv.url, tokenGrant: 'token', transport });
    try {
      await client.https.getApiQuota({ cgi_path: PATHS.upload }); // the client now holds a token
      await otherCallerToken('token');
      srv.clock.advance(TOKEN_OVERLAP_SECONDS + 1);

      const bytes = png({ size: 200 * 1024 });
      const up = await client.https.uploadTempMedia({ type: 'image', media: oneShotStream(bytes) });
      assert.equal(up.errcode, 0);
      assert.equal(transport.count(PATHS.upload), 2, 'one refused attempt, one replay');
      assert.equal(transport.count(PATHS.token), 2, 'the first token, then exactly one refresh');
      await assertStored(client, up.media_id, bytes);
    } finally {
      await client.close();
    }
  });

  test('stable_token grant: another caller force-refreshes, the next stream upload gets 40001, refreshes once and replays', async () => {
    const transport = recordingTransport();
    const client = new WeChatClient({ ...APP, baseUrl: srv.url, transport });
    try {
      await client.https.getApiQuota({ cgi_path: PATHS.upload });
      await otherCallerToken('stable_force');
      const bytes = png({ size: 150 * 1024 });
      const up = await client.https.uploadTempMedia({ type: 'image', media: oneShotStream(bytes) });
      assert.equal(up.errcode, 0);
      assert.equal(transport.count(PATHS.upload), 2);
      assert.equal(transport.count(PATHS.stableToken), 2);
      await assertStored(client, up.media_id, bytes);
    } finally {
      await client.close();
    }
  });

  test('42001: the token expires on the server clock while the client still trusts it; one refresh, one replay', async () => {
    const transport = recordingTransport();
    const client = new WeChatClient({ ...APP, baseUrl: srv.url, transport });
    try {
      await client.https.getApiQuota({ cgi_path: PATHS.upload });
      srv.clock.advance(TOKEN_TTL_SECONDS + 1);
      const bytes = png({ size: 20 * 1024 });
      const up = await client.https.uploadTempMedia({ type: 'image', media: oneShotStream(bytes) });
      assert.equal(up.errcode, 0);
      assert.equal(transport.count(PATHS.upload), 2);
      await assertStored(client, up.media_id, bytes);
    } finally {
      await client.close();
    }
  });

  test('a second 40001 is not retried: one refresh, one replay, then the WeChatError', async () => {
    // A provider that can only ever offer a dead token (a broken central token service, say).
    const dead = await otherCallerToken('token');
    await otherCallerToken('token');
    srv.clock.advance(TOKEN_OVERLAP_SECONDS + 1);
    const asked: (string | undefined)[] = [];
    const tokenProvider: TokenProvider = {
      async getToken(options) {
        asked.push(options?.rejected === undefined ? 'first' : 'after-rejection');
        return dead;
      },
    };
    const transport = recordingTransport();
    const client = new WeChatClient({ tokenProvider, baseUrl: srv.url, transport });
    try {
      await assert.rejects(
        client.https.uploadTempMedia({ type: 'image', media: oneShotStream(png({ size: 10 * 1024 })) }),
        (e: unknown) => e instanceof WeChatError && e.errcode === ERRCODES.INVALID_CREDENTIAL.errcode && e.rid !== undefined,
      );
      assert.equal(transport.count(PATHS.upload), 2, 'exactly one replay');
      assert.deepEqual(asked, ['first', 'after-rejection']);
      assert.ok(!transport.sent.some((s) => s.path === PATHS.token || s.path === PATHS.stableToken));
    } finally {
      await client.close();
    }
  });

  test('a file upload is replayed by re-opening the file', async () => {
    const { writeFile, mkdtemp, rm } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'wxmedia-replay-'));
    const transport = recordingTransport();
    const client = new WeChatClient({ ...APP, baseUrl: srv.url, transport });
    try {
      await client.https.getApiQuota({ cgi_path: PATHS.upload });
      await otherCallerToken('stable_force');
      srv.clock.advance(31); // force_refresh is allowed once per 30 s
      const bytes = png({ size: 120 * 1024 });
      const path = join(dir, 'replayed.png');
      await writeFile(path, bytes);
      const up = await client.https.uploadTempMedia({ type: 'image', media: path });
      assert.equal(transport.count(PATHS.upload), 2);
      await assertStored(client, up.media_id, bytes);
    } finally {
      await client.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// The cloud-call face against the real wx-server-sdk, both talking to the same wxmedia server (wx-server-sdk through
// the cloud gateway, ours over HTTPS): same result shapes, same errCode/errMsg/message on failure (rids aside).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { WeChatClient } from '@wxmedia/sdk';
import { APP, startServer, type RunningServer } from './fixtures/server.ts';
import { jpegBytes, pngBytes } from './fixtures/media.ts';

type Outcome = { returned?: Record<string, unknown>; threw?: Record<string, unknown> };
type Call = { api: 'uploadTempMedia' | 'getTempMedia'; params: Record<string, unknown> };

let srv: RunningServer;
let client: WeChatClient;
/** Why the wx-server-sdk half cannot run (the gateway does not answer), or false. */
let gatewayDown: string | false = false;

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const RUNNER = fileURLToPath(new URL('./fixtures/wx-server-sdk-calls.cjs', import.meta.url));

/** Runs calls with the unmodified wx-server-sdk in a child process that sees only the documented environment. */
function wxServerSdk(calls: Call[]): Promise<Outcome[]> {
  // Buffers travel as {base64} (the replacer looks at the holder: JSON.stringify calls Buffer#toJSON first).
  const wire = JSON.stringify(calls, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    return Buffer.isBuffer(raw) ? { base64: raw.toString('base64') } : v;
  });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNNER], {
      cwd: REPO,
      env: {
        PATH: process.env['PATH'] ?? '',
        TCB_CONTEXT_CNFG: JSON.stringify({ URL: `${srv.url}/admin` }),
        TENCENTCLOUD_SECRETID: APP.appid,
        TENCENTCLOUD_SECRETKEY: APP.secret,
      },
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    child.stdin?.end(wire);
    let result = '';
    let logs = '';
    child.stdout?.on('data', (c: Buffer) => (logs += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (logs += c.toString()));
    child.stdio[3]?.on('data', (c: Buffer) => (result += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (result ? resolve(JSON.parse(result) as Outcome[]) : reject(new Error(`wx-server-sdk child exited ${code}: ${logs.slice(0, 500)}`))));
  });
}

/** Ours, recorded the same way. Buffers become {base64} as in the child. */
async function ours(calls: Call[]): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const call of calls) {
    try {
      const r = call.api === 'uploadTempMedia'
        ? await client.openapi.customerServiceMessage.uploadTempMedia(call.params as never)
        : await client.openapi.customerServiceMessage.getTempMedia(call.params as never);
      out.push({ returned: JSON.parse(JSON.stringify(r, (_k, v: unknown) => (v && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' ? { base64: Buffer.from((v as { data: number[] }).data).toString('base64') } : v))) as Record<string, unknown> });
    } catch (e) {
      const err = e as Error & { errCode: number; errMsg: string };
      out.push({ threw: { isError: e instanceof Error, errCode: err.errCode, errMsg: err.errMsg, message: err.message, json: JSON.stringify(err) } });
    }
  }
  return out;
}

/** rids differ between two calls by design; everything else must not. */
function withoutRids(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v).replace(/[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}/g, 'RID'));
}

/** Values that legitimately differ between two uploads (their own id and second), reduced to their type. */
function shapeOfUpload(r: Record<string, unknown> | undefined): Record<string, unknown> {
  assert.ok(r, 'no result');
  return { ...r, mediaId: typeof r['mediaId'], createdAt: typeof r['createdAt'] };
}

before(async () => {
  srv = await startServer();
  client = new WeChatClient({ ...APP, baseUrl: srv.url });
  const [probe] = await wxServerSdk([{ api: 'getTempMedia', params: { mediaId: 'A'.repeat(64) } }]).catch((e: Error) => [{ threw: { errMsg: e.message } } as Outcome]);
  // A working gateway answers an unknown id with WeChat's 40007; anything else means it is not there (yet).
  if (probe?.threw?.['errCode'] !== 40007) gatewayDown = `cloud gateway does not answer like WeChat (${JSON.stringify(probe).slice(0, 200)})`;
  if (gatewayDown) console.log(`# cloud parity: ${gatewayDown}`);
});
after(async () => {
  await client.close();
  await srv.stop();
});

describe('cloud-call face vs the real wx-server-sdk, same server', () => {
  test('uploadTempMedia: same result keys and values (apart from the id and time)', async (t) => {
    if (gatewayDown) return t.skip(gatewayDown);
    const calls: Call[] = [{ api: 'uploadTempMedia', params: { type: 'image', media: { contentType: 'image/png', value: pngBytes(30 * 1024) } } }];
    const [theirs] = await wxServerSdk(calls);
    const [mine] = await ours(calls);
    assert.deepEqual(shapeOfUpload(mine?.returned), shapeOfUpload(theirs?.returned));
  });

  test('the file is named as wx-server-sdk names it: from contentType (an unknown type → .png), whatever fileName says', async (t) => {
    if (gatewayDown) return t.skip(gatewayDown);
    const calls: Call[] = [
      // image/jpeg → media.jpeg; a MIME type it does not know → media.png (its default); fileName changes nothing.
      { api: 'uploadTempMedia', params: { type: 'image', media: { contentType: 'image/jpeg', value: jpegBytes(4096) } } },
      { api: 'uploadTempMedia', params: { type: 'image', media: { contentType: 'application/x-whatever', value: pngBytes(4096) } } },
      { api: 'uploadTempMedia', params: { type: 'image', media: { contentType: 'image/png', value: pngBytes(4096), fileName: 'photo.jpg' } } },
    ];
    const theirs = await wxServerSdk(calls);
    const mine = await ours(calls);
    assert.deepEqual(mine.map((o) => shapeOfUpload(o.returned)), theirs.map((o) => shapeOfUpload(o.returned)));
  });

  test('getTempMedia of each other\'s uploads: identical results', async (t) => {
    if (gatewayDown) return t.skip(gatewayDown);
    const bytes = jpegBytes(40 * 1024);
    const upload: Call = { api: 'uploadTempMedia', params: { type: 'image', media: { contentType: 'image/jpeg', value: bytes } } };
    const [theirUpload] = await wxServerSdk([upload]);
    const [myUpload] = await ours([upload]);
    const ids = [theirUpload?.returned?.['mediaId'], myUpload?.returned?.['mediaId']];
    const gets: Call[] = ids.map((mediaId) => ({ api: 'getTempMedia', params: { mediaId } }));
    const theirs = await wxServerSdk(gets);
    const mine = await ours(gets);
    assert.deepEqual(mine, theirs);
    assert.equal((theirs[0]?.returned?.['buffer'] as { base64: string }).base64, bytes.toString('base64'));
  });

  test('failures: same errCode, errMsg, message and serialised form', async (t) => {
    if (gatewayDown) return t.skip(gatewayDown);
    const calls: Call[] = [
      { api: 'getTempMedia', params: { mediaId: 'A'.repeat(64) } },
      { api: 'getTempMedia', params: { mediaId: 'not-an-id' } },
      { api: 'uploadTempMedia', params: { type: 'image', media: { contentType: 'image/png', value: Buffer.from('not an image at all') } } },
      { api: 'uploadTempMedia', params: { type: 'video', media: { contentType: 'image/png', value: pngBytes(2048) } } },
      // wx-server-sdk names the file from media.contentType (media.png), whatever the bytes are: JPEG bytes said to
      // be PNG are refused by the extension and magic-byte check.
      { api: 'uploadTempMedia', params: { type: 'image', media: { contentType: 'image/png', value: jpegBytes(4096) } } },
      { api: 'uploadTempMedia', params: { type: 'image', media: { contentType: 'image/gif', value: pngBytes(4096) } } },
      // fileName does not rename the file (wx-server-sdk snake-cases it to file_name before reading fileName).
      { api: 'uploadTempMedia', params: { type: 'image', media: { contentType: 'application/octet-stream', value: jpegBytes(4096), fileName: 'shot.jpg' } } },
    ];
    const theirs = await wxServerSdk(calls);
    const mine = await ours(calls);
    assert.ok(theirs.every((o) => o.threw), 'every call failed under wx-server-sdk');
    assert.deepEqual(withoutRids(mine), withoutRids(theirs));
  });
});

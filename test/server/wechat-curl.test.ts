/**
 * The curl commands of WeChat's API pages (fixtures/wechat-curl-commands.txt, copied verbatim from
 * developers.weixin.qq.com), run VERBATIM against a local server: only `https://api.weixin.qq.com` is replaced by the
 * local base URL and the upper-case placeholders by real values. Plus a full `curl -o` download compared byte for
 * byte, for jpg, png and gif.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { image, MIME, type ImageKind } from '../helpers/images.ts';
import { startServer, tempDir, type InProcessServer } from '../helpers/server.ts';

const COMMANDS_FILE = new URL('./fixtures/wechat-curl-commands.txt', import.meta.url);
const WECHAT = 'https://api.weixin.qq.com';

/** The `curl …` lines of the fixture, in order (upload, then get). */
async function wechatCurlCommands(): Promise<string[]> {
  const lines = (await readFile(COMMANDS_FILE, 'utf8')).split('\n');
  return lines.filter((line) => line.startsWith('curl ')).map((line) => line.trim());
}

/** Splits a command line as sh would for this simple case: words, and double-quoted strings without escapes. */
function argv(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|(\S+)/g)) words.push(m[1] ?? m[2]!);
  return words;
}

function curl(args: readonly string[], cwd: string): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((res, rej) => {
    execFile('curl', args, { cwd, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`curl ${args.join(' ')} failed: ${err.message}\n${stderr.toString()}`));
      else res({ stdout, stderr: stderr.toString() });
    });
  });
}

/** The command with the host and placeholders replaced; nothing else touched. */
function localise(line: string, base: string, values: Record<string, string>): string[] {
  assert.ok(line.includes(WECHAT), `WeChat's command names ${WECHAT}: ${line}`);
  let out = line.replace(WECHAT, base);
  for (const [k, v] of Object.entries(values)) out = out.replaceAll(k, v);
  return argv(out);
}

describe("WeChat's curl commands, verbatim", () => {
  let s: InProcessServer;
  let work: { path: string; cleanup(): Promise<void> };
  let token: string;
  let uploadLine: string;
  let getLine: string;

  before(async () => {
    const lines = await wechatCurlCommands();
    uploadLine = lines.find((l) => l.includes('/cgi-bin/media/upload')) ?? '';
    getLine = lines.find((l) => l.includes('/cgi-bin/media/get')) ?? '';
    assert.equal(uploadLine, 'curl -F media=@test.jpg "https://api.weixin.qq.com/cgi-bin/media/upload?access_token=ACCESS_TOKEN&type=TYPE"');
    assert.equal(getLine, 'curl -I -G "https://api.weixin.qq.com/cgi-bin/media/get?access_token=ACCESS_TOKEN&media_id=MEDIA_ID"');
    s = await startServer();
    work = await tempDir('wxmedia-curl-');
    token = await s.token();
  });
  after(async () => {
    await s?.stop();
    await work?.cleanup();
  });

  for (const kind of ['jpg', 'png', 'gif'] as const satisfies readonly ImageKind[]) {
    it(`${kind}: upload with curl -F, HEAD with curl -I -G, download with curl -o`, async () => {
      const bytes = image(kind, { size: 3000 });
      const file = `test.${kind}`;
      await writeFile(join(work.path, file), bytes);

      // uploadTempMedia: curl -F media=@test.jpg "…/cgi-bin/media/upload?access_token=ACCESS_TOKEN&type=TYPE"
      const line = uploadLine.replace('test.jpg', file);
      const up = await curl(localise(line, s.url, { ACCESS_TOKEN: token, TYPE: 'image' }), work.path);
      const reply = JSON.parse(up.stdout.toString()) as Record<string, unknown>;
      assert.equal(reply['errcode'], 0, up.stdout.toString());
      assert.equal(reply['errmsg'], 'ok');
      assert.equal(reply['type'], 'image');
      assert.match(String(reply['media_id']), /^[A-Za-z0-9_-]{64}$/);
      assert.ok(Number.isInteger(reply['created_at']), 'created_at is an integer');
      const mediaId = String(reply['media_id']);

      // getTempMedia: curl -I -G "…/cgi-bin/media/get?access_token=ACCESS_TOKEN&media_id=MEDIA_ID"
      const head = await curl(localise(getLine, s.url, { ACCESS_TOKEN: token, MEDIA_ID: mediaId }), work.path);
      const text = head.stdout.toString('latin1');
      const [statusLine, ...headerLines] = text.trimEnd().split('\r\n');
      assert.match(statusLine ?? '', /^HTTP\/1\.1 200 OK$/);
      // Exactly WeChat's spelling: `Content-disposition`, lower-case d.
      assert.ok(headerLines.includes(`Content-disposition: attachment; filename="${mediaId}.${kind}"`), text);
      const header = (name: string) =>
        headerLines.find((h) => h.toLowerCase().startsWith(`${name.toLowerCase()}:`))?.slice(name.length + 1).trim();
      assert.equal(header('content-type'), MIME[kind]);
      assert.equal(header('content-length'), String(bytes.length));
      assert.equal(header('cache-control'), 'no-cache, must-revalidate');
      // curl -I prints the headers only; a HEAD with a body would show up as extra bytes on the raw socket below.
      assert.ok(text.endsWith('\r\n\r\n'));

      // Full download with curl -o, byte for byte.
      const out = join(work.path, `got.${kind}`);
      const q = new URLSearchParams({ access_token: token, media_id: mediaId });
      await curl(['-s', '-S', '-f', '-o', out, `${s.url}/cgi-bin/media/get?${q}`], work.path);
      assert.deepEqual(await readFile(out), bytes);

      // A range with curl -r: 206 and exactly those bytes.
      const part = join(work.path, `part.${kind}`);
      const ranged = await curl(['-s', '-S', '-r', '10-99', '-o', part, '-w', '%{http_code}', `${s.url}/cgi-bin/media/get?${q}`], work.path);
      assert.equal(ranged.stdout.toString(), '206');
      assert.deepEqual(await readFile(part), bytes.subarray(10, 100));
    });
  }

  it('HEAD on a raw socket: the headers of GET and not one byte of body', async () => {
    const bytes = image('jpg', { size: 5000 });
    await writeFile(join(work.path, 'test.jpg'), bytes);
    const up = await curl(localise(uploadLine, s.url, { ACCESS_TOKEN: token, TYPE: 'image' }), work.path);
    const mediaId = String((JSON.parse(up.stdout.toString()) as Record<string, unknown>)['media_id']);
    const { port } = new URL(s.url);
    const raw = await new Promise<string>((res, rej) => {
      const sock = connect(Number(port), '127.0.0.1');
      const chunks: Buffer[] = [];
      sock.on('data', (c) => chunks.push(c));
      sock.on('end', () => res(Buffer.concat(chunks).toString('latin1')));
      sock.on('error', rej);
      sock.write(
        `HEAD /cgi-bin/media/get?access_token=${encodeURIComponent(token)}&media_id=${mediaId} HTTP/1.1\r\n` +
          `Host: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      );
    });
    const end = raw.indexOf('\r\n\r\n');
    assert.ok(end > 0, raw);
    assert.equal(raw.length, end + 4, 'nothing after the header block');
    assert.match(raw, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(raw, new RegExp(`\r\nContent-disposition: attachment; filename="${mediaId}\\.jpg"\r\n`));
    assert.match(raw, new RegExp(`\r\ncontent-length: ${bytes.length}\r\n`, 'i'));
  });

  it('large files through the upload command (curl sends Expect: 100-continue): 9 MiB accepted, 10 MiB + 1 → 40006', async () => {
    const nine = image('jpg', { size: 9 * 1024 * 1024 });
    await writeFile(join(work.path, 'test.jpg'), nine);
    const ok = await curl(localise(uploadLine, s.url, { ACCESS_TOKEN: token, TYPE: 'image' }), work.path);
    const reply = JSON.parse(ok.stdout.toString()) as Record<string, unknown>;
    assert.equal(reply['errcode'], 0, ok.stdout.toString());
    const out = join(work.path, 'nine.jpg');
    const q = new URLSearchParams({ access_token: token, media_id: String(reply['media_id']) });
    await curl(['-s', '-S', '-f', '-o', out, `${s.url}/cgi-bin/media/get?${q}`], work.path);
    assert.ok((await readFile(out)).equals(nine), 'byte for byte');

    await writeFile(join(work.path, 'test.jpg'), image('jpg', { size: 10 * 1024 * 1024 + 1 }));
    const over = await curl(localise(uploadLine, s.url, { ACCESS_TOKEN: token, TYPE: 'image' }), work.path);
    const err = JSON.parse(over.stdout.toString()) as { errcode: number; errmsg: string };
    assert.equal(err.errcode, 40006);
    assert.match(err.errmsg, /^invalid meida size rid: /);
  });

  it('an error from the get command is HTTP 200 with the JSON envelope (unknown media_id → 40007)', async () => {
    const args = localise(getLine, s.url, { ACCESS_TOKEN: token, MEDIA_ID: 'A'.repeat(64) });
    // Same command without -I, to see the body: curl -G "…".
    const { stdout } = await curl(args.filter((a) => a !== '-I'), work.path);
    const body = JSON.parse(stdout.toString()) as { errcode: number; errmsg: string };
    assert.equal(body.errcode, 40007);
    assert.match(body.errmsg, / rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
  });
});

// The emulator commands as a user runs them against `wxmedia serve --time-travel` (a child process): clock, faults,
// media, calls (one by rid, and --follow), reset, and serve --ephemeral. Never the admin key in any output.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ridOfErrmsg } from '@wxmedia/protocol';
import { image } from '../helpers/images.ts';
import { CLI_BIN, REPO_ROOT, exists, getMedia, startCli, tempDir, uploadMedia, type CliServer } from '../helpers/server.ts';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

describe('wxmedia clock / faults / media / calls / reset', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  let s: CliServer;
  let key: string;
  const transcript: string[] = [];
  before(async () => {
    dir = await tempDir('wxmedia-cli-emulator-');
    s = await startCli({ dataDir: dir.path, args: ['--time-travel'] });
    key = (await readFile(join(dir.path, 'admin.key'), 'utf8')).trim();
  });
  after(async () => {
    await s.stop();
    await dir.cleanup();
    assert.ok(!transcript.join('\n').includes(key), 'the admin key was printed');
  });

  const wxmedia = (args: string[]) =>
    new Promise<Run>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI_BIN, ...args], {
        cwd: REPO_ROOT,
        env: { PATH: process.env['PATH'] ?? '', WXMEDIA_BASE_URL: s.url, WXMEDIA_DATA: dir.path },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        transcript.push(stdout, stderr);
        resolve({ code, stdout, stderr });
      });
    });

  it('clock: read, advance (with units), set, reset; a token expires with it', async () => {
    const token = await s.token();
    const read = await wxmedia(['clock']);
    assert.equal(read.code, 0, read.stderr);
    assert.match(read.stdout, /^\d{4}-\d{2}-\d{2}T.*\(real time\)\n$/);
    const advanced = await wxmedia(['clock', 'advance', '2h', '--json']);
    assert.equal(advanced.code, 0, advanced.stderr);
    assert.ok(Math.abs((JSON.parse(advanced.stdout) as { offsetSeconds: number }).offsetSeconds - 7200) <= 1);
    assert.equal(((await (await getMedia(s.url, token, 'x')).body.toString()) as string).includes('42001'), true);
    const set = await wxmedia(['clock', 'set', '2035-03-04T05:06:07Z']);
    assert.match(set.stdout, /^2035-03-04T05:06:0\d/);
    assert.match((await wxmedia(['clock', 'reset'])).stdout, /\(real time\)/);
    const bad = await wxmedia(['clock', 'advance', 'soon']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /duration "soon"/);
  });

  it('faults: add, list, fires once, clear; a bad spec is refused with the reason', async () => {
    const added = await wxmedia(['faults', 'add', '--api', '/cgi-bin/media/upload', '--errcode', '45009', '--count', '1']);
    assert.equal(added.code, 0, added.stderr);
    const id = /added fault ([0-9a-f]+): errcode 45009 on \/cgi-bin\/media\/upload of every app \(0\/1 fired\)/.exec(added.stdout)?.[1];
    assert.ok(id, added.stdout);
    assert.match((await wxmedia(['faults'])).stdout, new RegExp(`^${id}\t`));
    const token = await s.token();
    assert.equal((await uploadMedia(s.url, token, { filename: 'a.png', bytes: image('png') })).errcode, 45009);
    assert.equal((await uploadMedia(s.url, token, { filename: 'a.png', bytes: image('png') })).errcode, 0);
    assert.match((await wxmedia(['faults'])).stdout, /^no faults$/m);
    const refused = await wxmedia(['faults', 'add', '--errcode', '99999']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /errcode 99999 is not one wxmedia knows: give its errmsg too/);
    await wxmedia(['faults', 'add', '--latency', '10']);
    assert.match((await wxmedia(['faults', 'clear'])).stdout, /removed 1 fault/);
  });

  it('calls: recent calls, one in detail by its rid (the query redacted), and --follow', async () => {
    const token = await s.token();
    const body = (await getMedia(s.url, token, 'no-such-id')).body.toString();
    const rid = ridOfErrmsg((JSON.parse(body) as { errmsg: string }).errmsg)!;
    const listed = await wxmedia(['calls', '--failed', '--limit', '5']);
    assert.match(listed.stdout, new RegExp(`/cgi-bin/media/get\terrcode 40007\t\\d+ ms\t-\t${rid}\tinvalid media_id`));
    const one = await wxmedia(['calls', rid]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /answer +HTTP 200, errcode 40007/);
    assert.match(one.stdout, /query access_token +\[REDACTED\]/);
    assert.ok(!one.stdout.includes(token));
    const missing = await wxmedia(['calls', '00000000-00000000-00000000']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /errcode 404: no call 00000000-00000000-00000000/);

    const child = spawn(process.execPath, [CLI_BIN, 'calls', '--follow', '--limit', '0', '--json'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env['PATH'] ?? '', WXMEDIA_BASE_URL: s.url, WXMEDIA_DATA: dir.path },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    // Calls made until the follower shows one: it connects asynchronously.
    let seen: string | undefined;
    for (let i = 0; i < 100 && !seen; i++) {
      const r = JSON.parse((await getMedia(s.url, token, `follow-${i}`)).body.toString()) as { errmsg: string };
      const followRid = ridOfErrmsg(r.errmsg)!;
      await new Promise((res) => setTimeout(res, 50));
      if (out.includes(followRid)) seen = followRid;
    }
    child.kill('SIGINT');
    assert.equal(await exited, 0);
    assert.ok(seen, 'the follower printed a live call');
    const line = out.split('\n').find((l) => l.includes(seen!))!;
    assert.equal((JSON.parse(line) as { errcode: number }).errcode, 40007);
  });

  it('media list / expire / rm, and reset', async () => {
    const token = await s.token();
    const a = (await uploadMedia(s.url, token, { filename: 'a.png', bytes: image('png') })).media_id!;
    const b = (await uploadMedia(s.url, token, { filename: 'b.jpg', bytes: image('jpg') })).media_id!;
    const c = (await uploadMedia(s.url, token, { filename: 'c.gif', bytes: image('gif') })).media_id!;
    const listed = await wxmedia(['media', 'list', '--kind', 'image']);
    for (const id of [a, b, c]) assert.match(listed.stdout, new RegExp(`^${id}\t\\S+\timage\t\\d+ B\t`, 'm'));
    assert.equal((await wxmedia(['media', 'expire', a])).code, 0);
    assert.equal((await wxmedia(['media', 'rm', b])).code, 0);
    for (const id of [a, b]) assert.match((await getMedia(s.url, token, id)).body.toString(), /"errcode":40007/);
    const reset = await wxmedia(['reset', '--json']);
    assert.equal(reset.code, 0, reset.stderr);
    assert.ok((JSON.parse(reset.stdout) as { media: number }).media >= 1);
    assert.match((await getMedia(s.url, await s.token(), c)).body.toString(), /"errcode":40007/);
    assert.equal((await wxmedia(['media', 'list', '--json'])).stdout.trim(), '[]');
  });
});

describe('wxmedia serve --ephemeral', () => {
  it('keeps state in memory and media in a temp dir it removes at exit', async () => {
    const cwd = await tempDir('wxmedia-ephemeral-cwd-');
    try {
      const s = await startCli({ dataDir: join(cwd.path, 'never-used'), args: ['--ephemeral'] });
      const token = await s.token();
      assert.equal((await uploadMedia(s.url, token, { filename: 'a.png', bytes: image('png') })).errcode, 0);
      await s.stop();
      assert.equal(await exists(join(cwd.path, 'never-used')), false, 'nothing written to --data');
    } finally {
      await cwd.cleanup();
    }
  });
});

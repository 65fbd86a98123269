// The client commands as a user runs them: `node packages/cli/bin/wxmedia.js …` in a child process against a real
// wxmedia server. Output contracts: ids/bytes on stdout, progress and errors on stderr, one error line with the
// errcode, non-zero exit, and never a secret (or, outside `wxmedia token`, a token) in any output.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { APP, CLI_BIN, startServer, type InProcessServer } from '../helpers/server.ts';
import { jpeg, png } from '../helpers/images.ts';


let srv: InProcessServer;
let dir: string;
/** Everything any command printed, checked for secrets at the end. */
const transcript: string[] = [];
const tokensSeen: string[] = [];

interface Run {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

function wxmedia(args: string[], env: Record<string, string> = {}, options: { keepOut?: boolean } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      cwd: dir,
      env: { PATH: process.env['PATH'] ?? '', WXMEDIA_BASE_URL: srv.url, WXMEDIA_APPID: APP.appid, WXMEDIA_SECRET: APP.secret, ...env },
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out);
      if (!options.keepOut) transcript.push(stdout.toString('latin1'));
      transcript.push(err);
      resolve({ code, stdout, stderr: err });
    });
  });
}

before(async () => {
  srv = await startServer();
  dir = await mkdtemp(join(tmpdir(), 'wxmedia-cli-'));
});

after(async () => {
  await srv.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('wxmedia token / upload / get', () => {
  test('token prints one access_token line; --json prints the reply', async () => {
    const plain = await wxmedia(['token'], {}, { keepOut: true });
    assert.equal(plain.code, 0, plain.stderr);
    const token = plain.stdout.toString().trim();
    assert.match(token, /^[A-Za-z0-9_-]{40,}$/);
    tokensSeen.push(token);
    const json = await wxmedia(['token', '--json'], {}, { keepOut: true });
    const reply = JSON.parse(json.stdout.toString()) as { access_token: string; expires_in: number };
    assert.equal(reply.access_token, token, 'stable_token hands every run the same token');
    assert.ok(reply.expires_in > 0);
  });

  test('upload FILE… prints one media_id per file, in order; get streams to stdout and to -o, byte-identical', async () => {
    const a = png({ size: 50 * 1024 });
    const b = jpeg({ size: 80 * 1024 });
    await writeFile(join(dir, 'a.png'), a);
    await writeFile(join(dir, 'b'), b); // no extension: named from the bytes
    const up = await wxmedia(['upload', 'a.png', 'b']);
    assert.equal(up.code, 0, up.stderr);
    const ids = up.stdout.toString().trim().split('\n');
    assert.equal(ids.length, 2);
    for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{64}$/);
    assert.match(up.stderr, /\[1\/2\] a\.png done\n\[2\/2\] b done\n/, 'progress on stderr for several files');

    const toStdout = await wxmedia(['get', ids[0] as string]);
    assert.equal(toStdout.code, 0, toStdout.stderr);
    assert.ok(toStdout.stdout.equals(a));

    const toFile = await wxmedia(['get', ids[1] as string, '-o', 'b-copy.jpg']);
    assert.equal(toFile.code, 0, toFile.stderr);
    assert.ok((await readFile(join(dir, 'b-copy.jpg'))).equals(b));
    assert.equal(toFile.stdout.length, 0);
  });

  test('upload --json prints one object per line with the file; -q keeps stderr quiet', async () => {
    await writeFile(join(dir, 'c.png'), png({ size: 4096 }));
    const run = await wxmedia(['upload', '--json', '-q', 'c.png', 'c.png']);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 2);
    for (const l of lines) {
      assert.equal(l['file'], 'c.png');
      assert.equal(l['errcode'], 0);
      assert.equal(l['type'], 'image');
      assert.equal(typeof l['created_at'], 'number');
    }
    assert.equal(run.stderr, '');
  });

  test('a large file shows progress; a single small one prints nothing on stderr', async () => {
    await writeFile(join(dir, 'big.jpg'), jpeg({ size: 2 * 1024 * 1024 }));
    const big = await wxmedia(['upload', 'big.jpg']);
    assert.equal(big.code, 0, big.stderr);
    assert.match(big.stderr, /\[1\/1\] big\.jpg done/);
    const small = await wxmedia(['upload', 'c.png']);
    assert.equal(small.stderr, '');
  });

  test('unknown media: one error line with errcode 40007, exit 1, nothing on stdout, no file', async () => {
    const run = await wxmedia(['get', 'A'.repeat(64)]);
    assert.equal(run.code, 1);
    assert.equal(run.stdout.length, 0, 'the error JSON is not written out as the image');
    assert.match(run.stderr, /^wxmedia: errcode 40007: invalid media_id rid: [0-9a-f-]{26} \(getTempMedia\)\n$/);
    const toFile = await wxmedia(['get', 'A'.repeat(64), '-o', 'never.png']);
    assert.equal(toFile.code, 1);
    assert.ok(!(await readdir(dir)).some((f) => f.startsWith('never.png')));
  });

  test('a text file named .png is refused with errcode 40005', async () => {
    await writeFile(join(dir, 'fake.png'), 'just text');
    const run = await wxmedia(['upload', 'fake.png']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /errcode 40005/);
  });

  test('a wrong secret: errcode 40125, and the secret is not printed', async () => {
    const wrong = 'this-is-the-wrong-secret-42';
    const run = await wxmedia(['token', '--secret', wrong], {});
    assert.equal(run.code, 1);
    assert.match(run.stderr, /errcode 40125/);
    assert.ok(!run.stderr.includes(wrong));
  });

  test('missing credentials or a bad --type are usage errors (exit 2) saying what to change', async () => {
    const noCreds = await wxmedia(['token'], { WXMEDIA_APPID: '', WXMEDIA_SECRET: '' });
    assert.equal(noCreds.code, 2);
    assert.match(noCreds.stderr, /--appid and --secret/);
    const badType = await wxmedia(['upload', '--type', 'document', 'c.png']);
    assert.equal(badType.code, 2);
    assert.match(badType.stderr, /--type must be one of/);
  });

  test('unreachable server: one line naming the network failure, exit 1', async () => {
    const run = await wxmedia(['token', '--base-url', 'http://127.0.0.1:1']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^wxmedia: NetworkError: .*ECONNREFUSED|^wxmedia: NetworkError: /);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  });
});

describe('wxmedia apps', () => {
  test('list, add (generated and given secret), remove — key from <data>/admin.key', async () => {
    const data = ['--data', srv.dataDir];
    const list = await wxmedia(['apps', 'list', ...data]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout.toString(), new RegExp(`^${APP.appid}\\tminiprogram\\t`, 'm'));

    const added = await wxmedia(['apps', 'add', '--kind', 'official', '--json', ...data], {}, { keepOut: true });
    assert.equal(added.code, 0, added.stderr);
    const made = JSON.parse(added.stdout.toString()) as { appid: string; secret: string; kind: string };
    assert.equal(made.kind, 'official');
    assert.ok(made.secret.length >= 8, 'a generated secret is shown once');

    const given = 'given-secret-never-echoed';
    const withSecret = await wxmedia(['apps', 'add', '--appid', 'wxgivenapp000001', '--secret', given, ...data]);
    assert.equal(withSecret.code, 0, withSecret.stderr);
    assert.ok(!withSecret.stdout.toString().includes(given));

    const json = await wxmedia(['apps', 'list', '--json', ...data]);
    const appids = (JSON.parse(json.stdout.toString()) as { appid: string }[]).map((a) => a.appid);
    assert.ok(appids.includes(made.appid) && appids.includes('wxgivenapp000001'));

    // The new app works with the client commands.
    const token = await wxmedia(['token'], { WXMEDIA_APPID: 'wxgivenapp000001', WXMEDIA_SECRET: given }, { keepOut: true });
    assert.equal(token.code, 0, token.stderr);
    tokensSeen.push(token.stdout.toString().trim());

    for (const id of [made.appid, 'wxgivenapp000001']) {
      const removed = await wxmedia(['apps', 'remove', id], { WXMEDIA_ADMIN_KEY: srv.server.adminKey });
      assert.equal(removed.code, 0, removed.stderr);
    }
    const gone = await wxmedia(['apps', 'remove', 'wxgivenapp000001', ...data]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /errcode 404: no app wxgivenapp000001/);
  });

  test('a wrong admin key is refused (errcode 401) and not printed', async () => {
    const run = await wxmedia(['apps', 'list', '--admin-key', 'wrong-admin-key-1234']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /errcode 401/);
    assert.ok(!run.stderr.includes('wrong-admin-key-1234'));
  });

  test('no admin key anywhere: a usage error naming the three ways to give one', async () => {
    const run = await wxmedia(['apps', 'list', '--data', join(dir, 'nowhere')]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--admin-key.*WXMEDIA_ADMIN_KEY.*--data/);
  });
});

describe('secrets', () => {
  test('no output of any command above contains the app secret, the admin key or a token', () => {
    const all = transcript.join('\n');
    assert.ok(transcript.length > 20);
    assert.ok(!all.includes(APP.secret), 'the app secret was printed');
    assert.ok(!all.includes(srv.server.adminKey), 'the admin key was printed');
    for (const t of tokensSeen) assert.ok(!all.includes(t), 'a token was printed outside `wxmedia token`');
  });
});

// The `wxmedia` command as a new user meets it, run as the built JavaScript in child processes: usage errors exit
// 2 with one line, system errors become one line saying what to change, failures name the file and the reason
// (also as JSON with --json), logs are readable on a terminal and JSON otherwise, the banner tells the truth about
// the address bound. Terminal cases run under `script` (util-linux), which gives the command a real pseudo-terminal.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { image } from '../helpers/images.ts';
import { CLI_BIN, TEST_APPS, startServer, tempDir, type InProcessServer } from '../helpers/server.ts';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let dir: { path: string; cleanup(): Promise<void> };
let srv: InProcessServer;
const APP = TEST_APPS[0];

/** `node bin/wxmedia.js …args` in the test's folder, pointed at the test server, with `stdin` piped in. */
function wxmedia(args: readonly string[], options: { env?: Record<string, string>; stdin?: Buffer } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      cwd: dir.path,
      env: { PATH: process.env['PATH'] ?? '', WXMEDIA_BASE_URL: srv.url, WXMEDIA_APPID: APP.appid, WXMEDIA_SECRET: APP.secret, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('latin1')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin);
  });
}

/** The same under a pseudo-terminal: stdout and stderr both arrive in `stdout`, with \r\n line ends. */
function wxmediaOnTerminal(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  const command = [process.execPath, CLI_BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      cwd: dir.path,
      env: { PATH: process.env['PATH'] ?? '', TERM: 'dumb', WXMEDIA_BASE_URL: srv.url, WXMEDIA_APPID: APP.appid, WXMEDIA_SECRET: APP.secret, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: stdout.replaceAll('\r\n', '\n'), stderr: '' }));
  });
}

before(async () => {
  dir = await tempDir('wxmedia-cli-ux-');
  srv = await startServer();
});

after(async () => {
  await srv?.stop();
  await dir?.cleanup();
});

describe('usage', () => {
  test('--version prints the version of the wxmedia package', async () => {
    const { version } = JSON.parse(await readFile(new URL('../../packages/cli/package.json', import.meta.url), 'utf8')) as { version: string };
    const run = await wxmedia(['--version']);
    assert.equal(run.code, 0);
    assert.equal(run.stdout.trim(), version);
  });

  test('an unknown flag or command, or a missing argument, exits 2 with commander\'s one line and the help', async () => {
    for (const [args, message] of [
      [['upload', '--bogus', 'a.jpg'], /error: unknown option '--bogus'/],
      [['uplaod', 'a.jpg'], /error: unknown command 'uplaod'/],
      [['get'], /error: missing required argument 'media_id'/],
    ] as const) {
      const run = await wxmedia(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
    }
  });
});

describe('serve: what to change, in one line', () => {
  async function serveFails(args: readonly string[]): Promise<string> {
    const run = await wxmedia(['serve', '--port', '0', ...args]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.doesNotMatch(run.stderr, /\n\s+at |EEXIST|ENOENT|custom levels|setup locks/);
    return run.stderr.trim();
  }

  test('--log-level loud', async () => {
    assert.equal(
      await serveFails(['--data', join(dir.path, 'd1'), '--log-level', 'loud']),
      'wxmedia: --log-level "loud" is not a log level: use one of fatal, error, warn, info, debug, trace, silent',
    );
  });

  test('--data naming a file', async () => {
    const file = join(dir.path, 'not-a-folder.txt');
    await writeFile(file, 'x');
    assert.match(await serveFails(['--data', file]), /--data .*not-a-folder\.txt is a file, not a folder/);
  });

  test('a data folder this user cannot write (a read-only mount, or a folder without write permission)', async (t) => {
    const ro = join(dir.path, 'read-only');
    await mkdir(ro);
    const root = process.getuid?.() === 0;
    if (root) {
      // root writes through permissions: a read-only tmpfs is what it cannot write.
      const mounted = await new Promise<boolean>((resolve) => spawn('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro]).on('close', (c) => resolve(c === 0)));
      if (!mounted) return t.skip('cannot mount a read-only tmpfs here');
      t.after(() => new Promise<void>((resolve) => spawn('umount', [ro]).on('close', () => resolve())));
    } else {
      await chmod(ro, 0o555);
    }
    assert.match(await serveFails(['--data', ro]), /cannot write in the data folder .*read-only: (the file system is read-only|permission denied); choose another with --data/);
  });

  test('an unknown key in the --config file is named', async () => {
    const config = join(dir.path, 'wxmedia.json');
    await writeFile(config, JSON.stringify({ port: 0, prot: 8720 }));
    assert.match(await serveFails(['--data', join(dir.path, 'd2'), '--config', config]), /config file .*wxmedia\.json: unknown key "prot" \(known keys: host, port,/);
  });
});

describe('serve: logs and banner', () => {
  /** Starts serve, waits for the banner, makes one failing request, and returns everything it printed. */
  async function serveOnce(args: readonly string[], terminal: boolean): Promise<string> {
    const data = join(dir.path, `serve-${Math.random().toString(16).slice(2)}`);
    const full = ['serve', '--port', '0', '--data', data, ...args];
    const command = terminal
      ? spawn('script', ['-qec', [process.execPath, CLI_BIN, ...full].map((a) => `'${a}'`).join(' '), '/dev/null'], { cwd: dir.path, env: { PATH: process.env['PATH'] ?? '', TERM: 'dumb' } })
      : spawn(process.execPath, [CLI_BIN, ...full], { cwd: dir.path, env: { PATH: process.env['PATH'] ?? '' } });
    let out = '';
    command.stdout.on('data', (c: Buffer) => (out += c.toString()));
    command.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<void>((resolve) => command.once('close', () => resolve()));
    const wait = async (pattern: RegExp): Promise<RegExpExecArray> => {
      for (let i = 0; i < 400; i++) {
        const m = pattern.exec(out);
        if (m) return m;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`never printed ${pattern}:\n${out}`);
    };
    try {
      const [, url] = await wait(/wxmedia listening on (http:\/\/[^\s]+)/);
      const local = url!.replace('0.0.0.0', '127.0.0.1');
      await wait(/admin: /);
      // A failed request: a wrong secret for the development app (known appid from the banner).
      const [, appid] = await wait(/dev app: appid (\S+)/);
      await fetch(`${local}/cgi-bin/token?grant_type=client_credential&appid=${appid}&secret=wrong-secret-123`).then((r) => r.arrayBuffer());
      await wait(/errcode.{0,12}40125/);
      return out.replaceAll('\r\n', '\n');
    } finally {
      command.kill('SIGTERM');
      await exited;
    }
  }

  test('on a terminal: readable log lines, none of them JSON, and nothing before the banner; --log-format json insists', async () => {
    const out = await serveOnce([], true);
    assert.match(out, /^wxmedia listening on http:\/\/127\.0\.0\.1:\d+\n/, 'the banner comes first');
    const logLines = out.split('\n').filter((l) => /\brequest\b/.test(l));
    assert.ok(logLines.length > 0, out);
    for (const line of out.split('\n')) assert.doesNotMatch(line, /^\s*\{"level"/, 'no JSON log line on a terminal');
    // The failed request's line says for which app and why, at the default level.
    const failed = logLines.find((l) => l.includes('40125'));
    assert.ok(failed, out);
    assert.match(failed, /INFO/);
    assert.match(failed, /"appid":"wx[0-9a-f]+"/);
    assert.match(failed, /"detail":"invalid appsecret: the secret does not match"/);

    const json = await serveOnce(['--log-format', 'json'], true);
    assert.ok(json.split('\n').some((l) => l.startsWith('{"level":30')), `--log-format json on a terminal:\n${json}`);
  });

  test('not on a terminal: JSON lines after the banner, with appid and detail on the failure; --log-format pretty forces lines', async () => {
    const out = await serveOnce(['--log-level', 'info'], false);
    const lines = out.trim().split('\n');
    assert.match(lines[0]!, /^wxmedia listening on /);
    const json = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const failed = json.find((r) => r['errcode'] === 40125);
    assert.ok(failed, out);
    assert.equal(failed['level'], 30, 'info');
    assert.match(String(failed['appid']), /^wx[0-9a-f]+$/);
    assert.equal(failed['detail'], 'invalid appsecret: the secret does not match');
    assert.ok(!out.includes('wrong-secret-123'), 'the secret sent is not logged');

    const pretty = await serveOnce(['--log-format', 'pretty'], false);
    assert.ok(!pretty.split('\n').some((l) => l.startsWith('{')), pretty);
  });

  test('a non-loopback --host: the address really bound, a warning, and no secret (it says where to read it)', async () => {
    const out = await serveOnce(['--host', '0.0.0.0'], false);
    assert.match(out, /^wxmedia listening on http:\/\/0\.0\.0\.0:\d+\n/);
    assert.match(out, /warning: --host 0\.0\.0\.0 makes the API and the admin API \(\/wxmedia\/admin\) reachable from the network/);
    const [, file] = /secret in (\S+dev-app\.json) \(not printed/.exec(out) ?? [];
    assert.ok(file, out);
    const devApp = JSON.parse(await readFile(file, 'utf8')) as { appid: string; secret: string };
    assert.ok(!out.includes(devApp.secret), 'the development secret is not printed');
    assert.equal((await stat(file)).mode & 0o777, 0o600, 'dev-app.json is readable by its owner only');
  });

  test('on loopback the banner prints the development secret, the same one dev-app.json holds', async () => {
    const out = await serveOnce([], false);
    const [, appid, secret] = /dev app: appid (\S+)\s+secret (\S+)/.exec(out) ?? [];
    assert.ok(secret, out);
    assert.ok(!out.includes('warning:'));
    const data = /data:\s+(\S+)/.exec(out)?.[1];
    assert.deepEqual(JSON.parse(await readFile(join(data!, 'dev-app.json'), 'utf8')), { appid, secret });
  });
});

describe('client commands: the reason reaches the person', () => {
  test('with no credentials given, the client commands use the dev app of the local server (--data, WXMEDIA_DATA), never for WeChat itself', async () => {
    const data = join(dir.path, 'dev-app-data');
    await mkdir(data, { recursive: true, mode: 0o700 });
    // What `wxmedia serve` writes when it makes a development app (see the banner tests above).
    await writeFile(join(data, 'dev-app.json'), JSON.stringify({ appid: APP.appid, secret: APP.secret }), { mode: 0o600 });
    const none = { WXMEDIA_APPID: '', WXMEDIA_SECRET: '' };

    const byFlag = await wxmedia(['token', '--data', data], { env: none });
    assert.equal(byFlag.code, 0, byFlag.stderr);
    assert.match(byFlag.stdout.trim(), /^[A-Za-z0-9_-]{40,}$/);
    const byEnv = await wxmedia(['upload', '-'], { env: { ...none, WXMEDIA_DATA: data }, stdin: image('png') });
    assert.equal(byEnv.code, 0, byEnv.stderr);
    assert.match(byEnv.stdout.trim(), /^[A-Za-z0-9_-]{64}$/);

    const wechat = await wxmedia(['token', '--data', data, '--base-url', 'https://api.weixin.qq.com'], { env: none });
    assert.equal(wechat.code, 2, 'no request is sent: the dev app is not an app of WeChat');
    assert.match(wechat.stderr, /credentials missing: pass --appid and --secret/);
    const elsewhere = await wxmedia(['token'], { env: none });
    assert.equal(elsewhere.code, 2);
    assert.match(elsewhere.stderr, /keeps it in \.wxmedia\/dev-app\.json, which --data points at/);
  });

  test('upload names the file that failed and why (JPEG bytes named .png); --json gives the same as an object', async () => {
    await writeFile(join(dir.path, 'photo.png'), image('jpg', { size: 2000 }));
    const run = await wxmedia(['upload', 'photo.png']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^wxmedia: photo\.png: the bytes are JPG, the name says \.png \(errcode 40005, rid [0-9a-f-]{26}\)\n$/);

    const json = await wxmedia(['upload', '--json', 'photo.png']);
    assert.equal(json.code, 1);
    assert.equal(json.stderr, '');
    const failure = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.equal(failure['file'], 'photo.png');
    assert.equal(failure['errcode'], 40005);
    assert.equal(failure['error'], 'the bytes are JPG, the name says .png (errcode 40005, rid ' + String(failure['rid']) + ')');
    assert.match(String(failure['errmsg']), /^invalid file type rid: /);
  });

  test('upload of text named .jpg, of an empty file, and of an unreachable server: each says why', async () => {
    await writeFile(join(dir.path, 'notes.jpg'), 'just some text');
    await writeFile(join(dir.path, 'empty.jpg'), '');
    assert.match((await wxmedia(['upload', 'notes.jpg'])).stderr, /^wxmedia: notes\.jpg: the bytes are not JPG, PNG or GIF \(errcode 40005/);
    assert.match((await wxmedia(['upload', 'empty.jpg'])).stderr, /^wxmedia: empty\.jpg: the file is empty \(errcode 44001/);
    const down = await wxmedia(['upload', '--json', 'notes.jpg'], { env: { WXMEDIA_BASE_URL: 'http://127.0.0.1:1' } });
    assert.equal(down.code, 1);
    const failure = JSON.parse(down.stdout) as Record<string, unknown>;
    assert.equal(failure['file'], 'notes.jpg');
    assert.equal(failure['name'], 'NetworkError');
  });

  test('upload DIR and a missing file are usage errors in one line, before anything is sent', async () => {
    await mkdir(join(dir.path, 'photos'), { recursive: true });
    const folder = await wxmedia(['upload', 'photos']);
    assert.equal(folder.code, 2);
    assert.equal(folder.stderr, 'wxmedia: photos is a folder: give the files in it, e.g. wxmedia upload photos/*.jpg\n');
    const missing = await wxmedia(['upload', 'nope.jpg']);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, 'wxmedia: nope.jpg: no such file or folder\n');
    const json = await wxmedia(['upload', '--json', 'photos']);
    assert.equal(json.code, 2);
    assert.deepEqual(JSON.parse(json.stdout), { error: 'photos is a folder: give the files in it, e.g. wxmedia upload photos/*.jpg', name: 'UsageError' });
  });

  test('upload - reads stdin (named from the bytes) and get returns the same bytes', async () => {
    const bytes = image('png', { size: 5000 });
    const up = await wxmedia(['upload', '-'], { stdin: bytes });
    assert.equal(up.code, 0, up.stderr);
    const id = up.stdout.trim();
    assert.match(id, /^[A-Za-z0-9_-]{64}$/);
    const got = await wxmedia(['get', id, '-o', 'from-stdin.png']);
    assert.equal(got.code, 0, got.stderr);
    assert.ok((await readFile(join(dir.path, 'from-stdin.png'))).equals(bytes));
  });

  test('get -o into a folder that does not exist: one line, no download', async () => {
    const run = await wxmedia(['get', 'A'.repeat(64), '-o', 'no/such/folder/x.jpg']);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, 'wxmedia: cannot write no/such/folder/x.jpg: the folder no/such/folder does not exist (create it first)\n');
  });

  test('get without -o refuses to write binary to a terminal (as curl does); -o - writes it anyway', async () => {
    await writeFile(join(dir.path, 'tiny.gif'), image('gif'));
    const id = (await wxmedia(['upload', 'tiny.gif'])).stdout.trim();
    const refused = await wxmediaOnTerminal(['get', id]);
    assert.equal(refused.code, 2, refused.stdout);
    assert.equal(refused.stdout, 'wxmedia: not writing binary media to the terminal: pass -o FILE, redirect (> file), or -o - to write it here anyway\n');
    const forced = await wxmediaOnTerminal(['get', id, '-o', '-']);
    assert.equal(forced.code, 0, forced.stdout);
    assert.match(forced.stdout, /^GIF89a/);
  });

  test('token --json: a failure is a JSON object too', async () => {
    const run = await wxmedia(['token', '--json', '--secret', 'wrong-secret-for-json']);
    assert.equal(run.code, 1);
    const failure = JSON.parse(run.stdout) as Record<string, unknown>;
    assert.equal(failure['errcode'], 40125);
    assert.equal(failure['name'], 'WeChatError');
    assert.ok(!run.stdout.includes('wrong-secret-for-json'));
  });
});

describe('run-function: a broken function in one line', () => {
  async function fn(name: string, source: string | undefined, config: object | undefined): Promise<string> {
    const folder = join(dir.path, 'functions', name);
    await mkdir(folder, { recursive: true });
    if (source !== undefined) await writeFile(join(folder, 'index.js'), source);
    if (config) await writeFile(join(folder, 'config.json'), JSON.stringify(config));
    return folder;
  }
  const PERMS = { permissions: { openapi: ['customerServiceMessage.getTempMedia'] } };
  /** What run-function printed of its own (not the note lending wx-server-sdk, which a folder without it gets). */
  const ownLines = (stderr: string) => stderr.split('\n').filter((l) => l !== '' && !l.includes('lending it the copy'));

  test('no main', async () => {
    const run = await wxmedia(['run-function', await fn('no-main', 'exports.handler = async () => 1;\n', PERMS)]);
    assert.equal(run.code, 1);
    assert.deepEqual(ownLines(run.stderr), [
      `wxmedia run-function: ${join(dir.path, 'functions', 'no-main', 'index.js')} has no main function (it exports handler): a cloud function exports main, e.g. exports.main = async (event, context) => {…}`,
    ]);
    assert.equal(run.stdout, '');
  });

  test('a folder in ES-module scope ("type": "module" above it): says so, not "exports nothing"', async () => {
    const project = join(dir.path, 'esm-project');
    await mkdir(project, { recursive: true });
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'esm-project', type: 'module' }));
    const folder = join(project, 'cloudfunctions', 'media');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'index.js'), "const cloud = require('wx-server-sdk');\nexports.main = async () => ({ ok: 1 });\n");
    await writeFile(join(folder, 'config.json'), JSON.stringify(PERMS));
    const run = await wxmedia(['run-function', folder]);
    assert.equal(run.code, 1);
    assert.deepEqual(ownLines(run.stderr), [
      `wxmedia run-function: ${join(folder, 'index.js')} was loaded as an ES module (${join(project, 'package.json')} says "type": "module") and exports no main: a cloud function is CommonJS (exports.main = async (event, context) => {…}); give its folder a package.json of its own without "type": "module", as for deploying it`,
    ]);
    // The remedy the line gives works.
    await writeFile(join(folder, 'package.json'), JSON.stringify({ name: 'media' }));
    const fixed = await wxmedia(['run-function', folder]);
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.deepEqual(JSON.parse(fixed.stdout), { ok: 1 });
  });

  test('a syntax error: the file and line, no stack', async () => {
    const run = await wxmedia(['run-function', await fn('syntax', 'exports.main = async () => {\n  return { ok: 1\n};\n', PERMS)]);
    assert.equal(run.code, 1);
    const lines = ownLines(run.stderr);
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0]!, /^wxmedia run-function: .*syntax\/index\.js:\d+: SyntaxError: .+ \(the function could not be loaded\)$/);
  });

  test('no config.json: one line saying what the function may not do and how to allow it; it still runs', async () => {
    const run = await wxmedia(['run-function', await fn('no-config', 'exports.main = async () => ({ ok: 1 });\n', undefined)]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { ok: 1 });
    const lines = ownLines(run.stderr);
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0]!, /has no config\.json: as in the cloud, the function may call no openapi \(-604101\); add one with \{"permissions"/);
  });
});

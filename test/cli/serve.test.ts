import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ERRCODES } from '@wxmedia/protocol';
import { CLI_BIN, exists } from '../helpers/files.ts';


interface Running {
  readonly child: ChildProcess;
  readonly url: string;
  readonly banner: string;
  /** Resolves with the exit code once the process ends. */
  readonly exited: Promise<number | null>;
}

/** Starts `wxmedia serve` on a free port (with `env` added to this process's) and waits for its banner. */
async function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const child = spawn(process.execPath, [CLI_BIN, 'serve', '--port', '0', '--log-level', 'silent', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m && out.includes('admin:')) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  return { child, url, banner: out, exited };
}

describe('wxmedia serve', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'wxmedia-serve-'));
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  it('makes a development app once, keeps it, and prints it on every start', async () => {
    const first = await serve(['--data', dataDir]);
    const devApp = /dev app: appid (\S+)\s+secret (\S+)/.exec(first.banner);
    assert.ok(devApp, first.banner);
    const health = await fetch(`${first.url}/healthz`);
    assert.equal(health.status, 200);
    const token = await (await fetch(`${first.url}/cgi-bin/token?grant_type=client_credential&appid=${devApp[1]}&secret=${devApp[2]}`)).json() as { access_token: string };
    assert.ok(token.access_token);
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, 'SIGTERM shuts down cleanly');

    const second = await serve(['--data', dataDir]);
    assert.match(second.banner, new RegExp(`dev app: appid ${devApp[1]}\\s+secret ${devApp[2]}`));
    // The token from before the restart still works: state survived.
    const r = await (await fetch(`${second.url}/cgi-bin/media/get?access_token=${token.access_token}&media_id=x`)).json() as { errcode: number };
    assert.equal(r.errcode, ERRCODES.INVALID_MEDIA_ID.errcode);
    second.child.kill('SIGINT');
    assert.equal(await second.exited, 0, 'SIGINT shuts down cleanly');
  });

  it('--time-travel lets a user expire a token on demand (42001)', async () => {
    const s = await serve(['--data', dataDir, '--time-travel', '--app', 'wxtravel0001:travel-secret']);
    try {
      assert.doesNotMatch(s.banner, /travel-secret/, 'configured secrets are not printed');
      const { access_token } = await (await fetch(`${s.url}/cgi-bin/token?grant_type=client_credential&appid=wxtravel0001&secret=travel-secret`)).json() as { access_token: string };
      const adminKey = (await readFile(join(dataDir, 'admin.key'), 'utf8')).trim();
      const moved = await fetch(`${s.url}/wxmedia/admin/clock`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}` }, body: JSON.stringify({ advance: 7200 }) });
      assert.equal(moved.status, 200);
      const r = await (await fetch(`${s.url}/cgi-bin/media/get?access_token=${access_token}&media_id=x`)).json() as { errcode: number };
      assert.equal(r.errcode, ERRCODES.ACCESS_TOKEN_EXPIRED.errcode);
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  });

  it('an admin key given in WXMEDIA_ADMIN_KEY: the banner says to send that variable, not an admin.key that is not written', async () => {
    const ownData = await mkdtemp(join(tmpdir(), 'wxmedia-serve-key-'));
    const adminKey = 'operator-chosen-admin-key-0123456789';
    const s = await serve(['--data', ownData], { WXMEDIA_ADMIN_KEY: adminKey });
    try {
      assert.match(s.banner, /admin: +http:\/\/\S+\/wxmedia\/admin \(Authorization: Bearer \$WXMEDIA_ADMIN_KEY\)/, s.banner);
      assert.doesNotMatch(s.banner, /admin\.key/, 'no file to point at');
      assert.equal(await exists(join(ownData, 'admin.key')), false);
      // What the banner says works: the variable's value is the key.
      const clock = await fetch(`${s.url}/wxmedia/admin/clock`, { headers: { authorization: `Bearer ${adminKey}` } });
      assert.equal(clock.status, 200);
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
      await rm(ownData, { recursive: true, force: true });
    }
  });

  it('refuses bad flags with exit code 2 and one line', async () => {
    const child = spawn(process.execPath, [CLI_BIN, 'serve', '--port', 'nope', '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 2);
    assert.equal(err.trim(), 'wxmedia: port "nope" must be a number from 0 to 65535');
  });

  it('refuses a config file\'s bad cloud env and content type as it refuses bad flags: exit code 2 and one line', async () => {
    const refusal = async (config: object): Promise<{ code: number | null; err: string }> => {
      const file = join(dataDir, 'bad-config.json');
      await writeFile(file, JSON.stringify(config));
      const child = spawn(process.execPath, [CLI_BIN, 'serve', '--port', '0', '--data', dataDir, '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      return { code, err: err.trim() };
    };
    const env = await refusal({ cloudEnvs: [{ env: 'bad env!', appid: 'wx1' }] });
    assert.equal(env.code, 2);
    assert.match(env.err, /^wxmedia: cloudEnvs\[0\]: env id "bad env!" must be 1-40 letters, digits, "-" or "_"$/);
    const type = await refusal({ contentTypes: { media: 'not a type' } });
    assert.equal(type.code, 2);
    assert.match(type.err, /^wxmedia: contentTypes\.media must be a media type/);
    assert.equal(type.err.split('\n').length, 1);
  });
});

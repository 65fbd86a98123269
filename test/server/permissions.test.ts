/**
 * The data directory holds every app's secret, the signing key (state database), the admin key and users' media:
 * only its owner may read any of it. Made 0700 with files 0600, whatever the umask; a directory other users can
 * read is refused at start unless the operator says so (--allow-shared-data-dir / WXMEDIA_ALLOW_SHARED_DATA_DIR=1).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, createServer } from '@wxmedia/server';
import { jpeg } from '../helpers/images.ts';
import { CLI_BIN, REPO_ROOT, TEST_APPS, startCli, startServer, tempDir, uploadMedia } from '../helpers/server.ts';

const skip = process.platform === 'win32' ? 'Windows has no POSIX modes' : false;

/** Every entry under `dir` with its permission bits, e.g. `state/data.mdb 600`. */
async function modes(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      const mode = ((await stat(path)).mode & 0o777).toString(8);
      out.push(`${join(rel, e.name)}${e.isDirectory() ? '/' : ''} ${mode}`);
      if (e.isDirectory()) await walk(path, join(rel, e.name));
    }
  };
  out.push(`./ ${((await stat(dir)).mode & 0o777).toString(8)}`);
  await walk(dir, '');
  return out.sort();
}

describe('data directory permissions', { skip }, () => {
  let root: { path: string; cleanup(): Promise<void> };
  let umask: number;
  before(async () => {
    root = await tempDir('wxmedia-perm-');
    // The permissive umask of many systems: files would be 0644 and directories 0755 if the server did not care.
    umask = process.umask(0o022);
  });
  after(async () => {
    process.umask(umask);
    await root.cleanup();
  });

  it('a new data directory is 0700, and every directory in it 0700 and every file 0600, LMDB files included', async () => {
    const dataDir = join(root.path, 'fresh', 'data');
    // What the server writes under its data directory: the filesystem blob store and LMDB, whatever the run chose.
    const s = await startServer({ dataDir, backends: { blob: 'file', state: 'lmdb' } });
    try {
      const uploaded = await uploadMedia(s.url, await s.token(), { filename: 'a.jpg', bytes: jpeg() });
      assert.equal(uploaded.errcode, 0);
    } finally {
      await s.stop();
    }
    const found = await modes(dataDir);
    for (const needed of ['./ 700', 'admin.key 600', 'state/ 700', 'state/data.mdb 600', 'state/lock.mdb 600', 'media/ 700', 'staging/ 700']) {
      assert.ok(found.includes(needed), `${needed} in:\n${found.join('\n')}`);
    }
    const wrong = found.filter((line) => !(line.endsWith('/ 700') || (!line.includes('/ ') && line.endsWith(' 600'))));
    assert.deepEqual(wrong, [], 'every directory 0700, every file 0600');
    assert.ok(found.some((line) => /^media\/\d{10}\/[\w-]{64}\.blob 600$/.test(line)), 'the media file itself');
  });

  it('a data directory others can read is refused with what to do; allowSharedDataDir starts anyway', async () => {
    for (const mode of [0o755, 0o750, 0o711, 0o701]) {
      const dataDir = join(root.path, `open-${mode.toString(8)}`);
      await mkdir(dataDir);
      await chmod(dataDir, mode);
      await assert.rejects(
        createServer({ dataDir, apps: [TEST_APPS[0]], logLevel: 'silent' }),
        (e: Error) => e instanceof ConfigError && e.message.includes(`chmod 700 ${dataDir}`) && e.message.includes('--allow-shared-data-dir'),
        `mode ${mode.toString(8)}`,
      );
      assert.deepEqual(await readdir(dataDir), [], 'nothing was created in a refused directory');
    }
    const shared = join(root.path, 'open-755');
    const s = await createServer({ dataDir: shared, apps: [TEST_APPS[0]], logLevel: 'silent', allowSharedDataDir: true });
    await s.close();
    assert.equal(((await stat(join(shared, 'state', 'data.mdb'))).mode & 0o777).toString(8), '600', 'files stay private even then');
  });

  it('state files from an older, careless version are tightened to 0600 at start', async () => {
    const dataDir = join(root.path, 'old');
    await mkdir(join(dataDir, 'state'), { recursive: true, mode: 0o700 });
    await chmod(dataDir, 0o700);
    await writeFile(join(dataDir, 'state', 'data.mdb'), '');
    await chmod(join(dataDir, 'state', 'data.mdb'), 0o644);
    const s = await createServer({ dataDir, apps: [TEST_APPS[0]], logLevel: 'silent' });
    await s.close();
    assert.equal(((await stat(join(dataDir, 'state', 'data.mdb'))).mode & 0o777).toString(8), '600');
  });

  it('wxmedia serve refuses an open data directory (exit 2, one line saying what to do); the flag and the env variable allow it', async () => {
    const dataDir = join(root.path, 'cli-open');
    await mkdir(dataDir);
    await chmod(dataDir, 0o755);
    const refused = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI_BIN, 'serve', '--port', '0', '--data', dataDir, '--log-level', 'silent'], { cwd: REPO_ROOT, timeout: 20_000 });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('exit', (code) => resolve({ code, stderr }));
    });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /^wxmedia: data directory .* is open to other users \(mode 0755\).*chmod 700/);
    for (const options of [{ args: ['--allow-shared-data-dir'] }, { env: { WXMEDIA_ALLOW_SHARED_DATA_DIR: '1' } }]) {
      const c = await startCli({ dataDir, ...options });
      await c.stop();
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CliError, parseAppFlag, resolveServeSettings } from './serve-config.ts';

describe('serve settings', () => {
  it('flags win over env, env over the config file, the file over defaults', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wxmedia-cfg-'));
    try {
      const file = join(dir, 'wxmedia.json');
      await writeFile(file, JSON.stringify({ port: 9001, host: '0.0.0.0', data: '/from/file', apps: [{ appid: 'wxfile', secret: 'file-secret' }], cloudEnvs: [{ env: 'dev-1', appid: 'wxfile' }], maxBytes: { image: 1024 } }));
      const fromFile = resolveServeSettings({ config: file }, {});
      assert.equal(fromFile.port, 9001);
      assert.equal(fromFile.host, '0.0.0.0');
      assert.equal(fromFile.server.dataDir, '/from/file');
      assert.deepEqual(fromFile.server.apps, [{ appid: 'wxfile', secret: 'file-secret' }]);
      assert.deepEqual(fromFile.server.maxBytes, { image: 1024 });
      assert.deepEqual(fromFile.server.cloudEnvs, [{ env: 'dev-1', appid: 'wxfile' }], 'cloudEnvs from the file, checked by the server');
      const fromEnv = resolveServeSettings({ config: file }, { WXMEDIA_PORT: '9002', WXMEDIA_APPS: 'wxa:secret-a,wxb:secret-b:official' });
      assert.equal(fromEnv.port, 9002);
      assert.deepEqual(fromEnv.server.apps, [{ appid: 'wxa', secret: 'secret-a' }, { appid: 'wxb', secret: 'secret-b', kind: 'official' }]);
      const fromFlags = resolveServeSettings({ config: file, port: '0', app: ['wxc:secret-c'] }, { WXMEDIA_PORT: '9002' });
      assert.equal(fromFlags.port, 0);
      assert.deepEqual(fromFlags.server.apps, [{ appid: 'wxc', secret: 'secret-c' }]);
      const defaults = resolveServeSettings({}, {});
      assert.deepEqual([defaults.host, defaults.port, defaults.server.dataDir], ['127.0.0.1', 8720, '.wxmedia']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad values with a message that says what to fix', async () => {
    assert.throws(() => resolveServeSettings({ port: 'eighty' }, {}), (e: Error) => e instanceof CliError && /port "eighty"/.test(e.message));
    assert.throws(() => resolveServeSettings({ port: '70000' }, {}), CliError);
    assert.throws(() => parseAppFlag('justanappid'), (e: Error) => e instanceof CliError && /APPID:SECRET/.test(e.message));
    assert.throws(() => parseAppFlag('wx1:secret:weird'), CliError);
    assert.throws(() => resolveServeSettings({ config: '/nonexistent/wxmedia.json' }, {}), (e: Error) => /cannot read config file/.test(e.message));
    const dir = await mkdtemp(join(tmpdir(), 'wxmedia-cfg-'));
    try {
      await writeFile(join(dir, 'bad.json'), '{"port": "x"');
      assert.throws(() => resolveServeSettings({ config: join(dir, 'bad.json') }, {}), /must be a JSON object/);
      await writeFile(join(dir, 'wrongtype.json'), '{"port": "x"}');
      assert.throws(() => resolveServeSettings({ config: join(dir, 'wrongtype.json') }, {}), /"port" must be a number/);
      await writeFile(join(dir, 'envs.json'), '{"cloudEnvs": {"env": "dev", "appid": "wx1"}}');
      assert.throws(() => resolveServeSettings({ config: join(dir, 'envs.json') }, {}), (e: Error) => e instanceof CliError && /"cloudEnvs" must be a list/.test(e.message));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('hardening settings: flags, env and the config file, numbers checked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wxmedia-cfg-'));
    try {
      const file = join(dir, 'wxmedia.json');
      await writeFile(file, JSON.stringify({ maxConnections: 50, timeouts: { idleSeconds: 5 }, allowSharedDataDir: true }));
      const fromFile = resolveServeSettings({ config: file }, {});
      assert.equal(fromFile.server.maxConnections, 50);
      assert.deepEqual(fromFile.server.timeouts, { idleSeconds: 5 });
      assert.equal(fromFile.server.allowSharedDataDir, true);
      const fromEnv = resolveServeSettings(
        { config: file },
        { WXMEDIA_MAX_CONNECTIONS: '60', WXMEDIA_HEADERS_TIMEOUT: '1.5', WXMEDIA_MIN_BODY_RATE: '0', WXMEDIA_CREDENTIAL_FAILURES_PER_MINUTE: '3' },
      );
      assert.equal(fromEnv.server.maxConnections, 60);
      assert.deepEqual(fromEnv.server.timeouts, { headersSeconds: 1.5, idleSeconds: 5, minBodyBytesPerSecond: 0 });
      assert.equal(fromEnv.server.credentialFailuresPerMinute, 3);
      const fromFlags = resolveServeSettings({ maxConnections: '70', idleTimeout: '2', allowSharedDataDir: true }, { WXMEDIA_MAX_CONNECTIONS: '60' });
      assert.equal(fromFlags.server.maxConnections, 70);
      assert.deepEqual(fromFlags.server.timeouts, { idleSeconds: 2 });
      assert.equal(resolveServeSettings({}, { WXMEDIA_ALLOW_SHARED_DATA_DIR: '1' }).server.allowSharedDataDir, true);
      assert.equal(resolveServeSettings({}, {}).server.allowSharedDataDir, false);
      assert.throws(() => resolveServeSettings({ maxConnections: 'many' }, {}), (e: Error) => e instanceof CliError && /--max-connections "many"/.test(e.message));
      assert.throws(() => resolveServeSettings({}, { WXMEDIA_IDLE_TIMEOUT: '' }), /--idle-timeout "" must be a number/);
      // The file's timeouts go to the server whole, so that it names a key it does not know (config.ts).
      await writeFile(file, JSON.stringify({ timeouts: { idleSeconds: 5, headerSeconds: 1 } }));
      assert.deepEqual(resolveServeSettings({ config: file }, {}).server.timeouts, { idleSeconds: 5, headerSeconds: 1 });
      await writeFile(file, JSON.stringify({ timeouts: 5 }));
      assert.throws(() => resolveServeSettings({ config: file }, {}), /config key "timeouts" must be an object/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('storage back ends and workers: flags over env over the config file; bad ones refused before anything starts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wxmedia-cfg-'));
    try {
      const file = join(dir, 'wxmedia.json');
      await writeFile(file, JSON.stringify({ blobStore: 's3://from-file/media', stateStore: 'redis://file-redis:6379', workers: 3 }));
      const fromFile = resolveServeSettings({ config: file }, {});
      assert.deepEqual([fromFile.server.blobStore, fromFile.server.stateStore, fromFile.workers], ['s3://from-file/media', 'redis://file-redis:6379', 3]);
      const fromEnv = resolveServeSettings({ config: file }, { WXMEDIA_BLOB_STORE: 's3://from-env', WXMEDIA_STATE_STORE: 'lmdb', WXMEDIA_WORKERS: '2' });
      assert.deepEqual([fromEnv.server.blobStore, fromEnv.server.stateStore, fromEnv.workers], ['s3://from-env', 'lmdb', 2]);
      const fromFlags = resolveServeSettings({ config: file, blobStore: 'file', stateStore: 'rediss://flag:6380/1', workers: '1' }, { WXMEDIA_WORKERS: '2' });
      assert.deepEqual([fromFlags.server.blobStore, fromFlags.server.stateStore, fromFlags.workers], ['file', 'rediss://flag:6380/1', 1]);
      const defaults = resolveServeSettings({}, {});
      assert.deepEqual([defaults.server.blobStore, defaults.server.stateStore, defaults.workers], [undefined, undefined, 1], 'the server picks its defaults');
      assert.throws(() => resolveServeSettings({ ephemeral: true, stateStore: 'redis://r:6379' }, {}), /--ephemeral/);
      assert.throws(() => resolveServeSettings({ ephemeral: true, workers: '2' }, {}), /--ephemeral/);
      for (const workers of ['0', 'two', '65', '1.5']) {
        assert.throws(() => resolveServeSettings({ workers }, {}), (e: Error) => e instanceof CliError && /workers/.test(e.message));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const { resolveOptions, ConfigError } = await import('@wxmedia/server');
    for (const [blobStore, stateStore, says] of [
      ['s3://', 'lmdb', /bucket|URL/],
      ['s3://Bad_Bucket', 'lmdb', /bucket name/],
      ['s3://ok-bucket?weird=1', 'lmdb', /path_style/],
      ['gcs://bucket', 'lmdb', /neither "file" nor s3/],
      ['file', 'mysql://db', /lmdb.*memory.*redis/],
      ['file', 'redis://h:6379/x', /database/],
      ['file', 'redis://user:hunter2@h:6379/0?unknown=1', /prefix/],
    ] as const) {
      assert.throws(
        () => resolveOptions({ dataDir: '/tmp/x', blobStore, stateStore }),
        (e: Error) => e instanceof ConfigError && says.test(e.message) && !e.message.includes('hunter2'),
        `${blobStore} ${stateStore}`,
      );
    }
  });
});

describe('serve settings: config-file keys the server takes whole', () => {
  it('videoGet and publicUrl reach the server (an official account behind a proxy, or bytes instead of video_url)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wxmedia-cfg-'));
    try {
      const file = join(dir, 'wxmedia.json');
      await writeFile(file, JSON.stringify({ videoGet: 'bytes', publicUrl: 'https://media.example.com/wx' }));
      const settings = resolveServeSettings({ config: file }, {});
      assert.equal(settings.server.videoGet, 'bytes');
      assert.equal(settings.server.publicUrl, 'https://media.example.com/wx');
      assert.equal(settings.adminKeyFrom, undefined, 'no admin key given: the server keeps one in <data>/admin.key');
      // Their values are the server's to check, as for the other keys it takes whole.
      const { resolveOptions, ConfigError } = await import('@wxmedia/server');
      await writeFile(file, JSON.stringify({ videoGet: 'stream' }));
      assert.throws(() => resolveOptions(resolveServeSettings({ config: file }, {}).server), (e: Error) => e instanceof ConfigError && /videoGet/.test(e.message));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('serve settings: where the admin key was given (the banner names it)', () => {
  it('WXMEDIA_ADMIN_KEY wins over the config file; the file is named when it holds the key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wxmedia-cfg-'));
    try {
      const file = join(dir, 'wxmedia.json');
      await writeFile(file, JSON.stringify({ adminKey: 'key-from-the-config-file' }));
      assert.deepEqual(resolveServeSettings({ config: file }, {}).adminKeyFrom, { configFile: file });
      const fromEnv = resolveServeSettings({ config: file }, { WXMEDIA_ADMIN_KEY: 'key-from-the-environment' });
      assert.deepEqual(fromEnv.adminKeyFrom, { env: 'WXMEDIA_ADMIN_KEY' });
      assert.equal(fromEnv.server.adminKey, 'key-from-the-environment');
      assert.equal(resolveServeSettings({}, {}).adminKeyFrom, undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

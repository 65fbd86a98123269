/**
 * What users install, used as users use it. Every workspace is packed with `npm pack` as built, the
 * tarballs are installed into a plain temporary project (no workspace, no tsx, nothing of this repository on its
 * module path), and then:
 *   1. `require()` from CommonJS and `import` from ESM both load every package (the SDK gives WeChatClient);
 *   2. a TypeScript file using the packages type-checks under `nodenext` (ESM and CommonJS files) and `bundler`;
 *   3. the installed `wxmedia --version` prints the version, the installed `wxmedia serve --port 0` starts, and the
 *      installed SDK uploads an image through it and gets it back byte-identical;
 *   4. the installed packages hold no test files and no TypeScript that runs (only `.d.ts` declarations);
 * plus the node:test example of docs/testing.md, run as written against the installed packages.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isAsset } from '../../scripts/copy-assets.mjs';
import { image } from '../helpers/images.ts';
import { REPO_ROOT, exists, listFiles, tempDir } from '../helpers/server.ts';

interface Packed {
  readonly name: string;
  readonly version: string;
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/**
 * The environment for child processes: npm sets npm_config_* (prefix, workspace…) for the `npm test` that runs us,
 * which would make the nested npm treat this repository as its project; NODE_OPTIONS could carry a loader; and
 * NODE_TEST_CONTEXT would make a nested `node --test` report to this runner instead of printing its results.
 */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k) && !['INIT_CWD', 'NODE_OPTIONS', 'NODE_PATH', 'NODE_TEST_CONTEXT'].includes(k)) env[k] = v;
  }
  return { ...env, ...extra };
}

function run(command: string, args: readonly string[], cwd: string, timeoutMs = 180_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function ok(r: Ran, what: string): Ran {
  assert.equal(r.code, 0, `${what} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

describe('the packed packages, installed into a plain project', () => {
  let work: { path: string; cleanup(): Promise<void> };
  let project: string;
  let packed: Packed[];

  before(async () => {
    work = await tempDir('wxmedia-pack-');
    const tarballs = join(work.path, 'tarballs');
    await mkdir(tarballs);
    // --ignore-scripts: the packages are packed as built (scripts/test.sh builds first; the dashboard's page is built
    // at install). Their prepack scripts would rebuild them, and Vite's rebuild of the page empties the folder other
    // tests are serving it from at that moment.
    const pack = ok(await run('npm', ['pack', '--workspaces', '--ignore-scripts', '--pack-destination', tarballs, '--json'], REPO_ROOT), 'npm pack');
    packed = JSON.parse(pack.stdout) as Packed[];
    const rootManifest = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
    assert.equal(packed.length, rootManifest.workspaces.length, 'one tarball per workspace');

    project = join(work.path, 'project');
    await mkdir(project);
    // A CommonJS project ("type" unset), as most existing backends are.
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    const typesNode = (JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> })
      .devDependencies['@types/node'];
    ok(
      await run(
        'npm',
        ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...packed.map((p) => join(tarballs, p.filename)), `@types/node@${typesNode}`],
        project,
      ),
      'npm install of the tarballs',
    );
  });

  after(async () => {
    await work?.cleanup();
  });

  it('1. require() from CommonJS and import from ESM load every package; the SDK gives WeChatClient', async () => {
    const cjs = ok(await run(process.execPath, ['-e', "process.stdout.write(typeof require('@wxmedia/sdk').WeChatClient)"], project), 'require');
    assert.equal(cjs.stdout, 'function');
    assert.equal(cjs.stderr, '', 'no warning on require() of the ES modules');
    const esm = ok(
      await run(process.execPath, ['--input-type=module', '-e', "import { WeChatClient } from '@wxmedia/sdk'; process.stdout.write(typeof WeChatClient)"], project),
      'import',
    );
    assert.equal(esm.stdout, 'function');
    for (const { name } of packed) {
      // require() fails with ERR_REQUIRE_ASYNC_MODULE if anything it loads uses top-level await.
      const required = ok(await run(process.execPath, ['-e', `process.stdout.write(String(Object.keys(require(${JSON.stringify(name)})).length))`], project), `require(${name})`);
      assert.ok(Number(required.stdout) > 0, `${name} exports something`);
      assert.equal(required.stderr, '');
      ok(await run(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(name)})`], project), `import(${name})`);
    }
  });

  it('2. a TypeScript consumer type-checks under nodenext (ESM and CommonJS files) and bundler', async () => {
    // The @ts-expect-error line fails the check if the declarations were missing and everything became `any`.
    const source = `
import { WeChatClient, WeChatError, type UploadTempMediaReply } from '@wxmedia/sdk';
import { startTestServer, type TestServer } from '@wxmedia/server';
import { ERRCODES } from '@wxmedia/protocol';

export async function uploadTo(server: TestServer): Promise<string | undefined> {
  const [app] = server.apps;
  const client = new WeChatClient({ appid: app!.appid, secret: app!.secret, baseUrl: server.url });
  const reply: UploadTempMediaReply = await client.https.uploadTempMedia({ type: 'image', media: Buffer.from('') });
  // @ts-expect-error 'document' is not a media type
  await client.https.uploadTempMedia({ type: 'document', media: Buffer.from('') });
  const expired: number = ERRCODES.ACCESS_TOKEN_EXPIRED.errcode;
  const isWeChat = (e: unknown): boolean => e instanceof WeChatError && e.errcode === expired;
  void isWeChat;
  void startTestServer;
  return reply.media_id;
}
`;
    await mkdir(join(project, 'ts'), { recursive: true });
    for (const file of ['esm.mts', 'cjs.cts', 'bundler.ts']) await writeFile(join(project, 'ts', file), source);
    // skipLibCheck off once (TypeScript's default): the declarations themselves must check, as in a user's project.
    const strict = { strict: true, noEmit: true, types: ['node'], target: 'ES2022', lib: ['ES2023'] };
    const configs = {
      'tsconfig.nodenext.json': {
        compilerOptions: { ...strict, skipLibCheck: false, module: 'nodenext', moduleResolution: 'nodenext' },
        files: ['ts/esm.mts', 'ts/cjs.cts'],
      },
      'tsconfig.bundler.json': {
        compilerOptions: { ...strict, skipLibCheck: true, module: 'preserve', moduleResolution: 'bundler' },
        files: ['ts/bundler.ts'],
      },
    };
    await Promise.all(
      Object.entries(configs).map(async ([name, config]) => {
        await writeFile(join(project, name), JSON.stringify(config));
        ok(await run(process.execPath, [TSC, '-p', name], project), `tsc -p ${name}`);
      }),
    );
  });

  it('3. the installed wxmedia prints its version, serves, and the installed SDK round-trips an image through it', async () => {
    const bin = join(project, 'node_modules', '.bin', 'wxmedia');
    const cli = packed.find((p) => p.name === 'wxmedia');
    assert.ok(cli);
    const version = ok(await run(bin, ['--version'], project), 'wxmedia --version');
    assert.equal(version.stdout.trim(), cli.version);

    const data = join(work.path, 'data');
    const serve = spawn(bin, ['serve', '--port', '0', '--data', data], { cwd: project, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => serve.once('exit', resolve));
    try {
      let banner = '';
      serve.stderr.on('data', (c: Buffer) => (banner += c.toString()));
      const { url, appid, secret } = await new Promise<{ url: string; appid: string; secret: string }>((resolve, reject) => {
        serve.stdout.on('data', (c: Buffer) => {
          banner += c.toString();
          const listening = /wxmedia listening on (http:\/\/\S+)/.exec(banner);
          const dev = /dev app: appid (\S+)\s+secret (\S+)/.exec(banner);
          if (listening && dev) resolve({ url: listening[1]!, appid: dev[1]!, secret: dev[2]! });
        });
        void exited.then((code) => reject(new Error(`wxmedia serve exited ${code}:\n${banner}`)));
      });

      const photo = image('jpg', { size: 20_000 });
      await writeFile(join(project, 'photo.jpg'), photo);
      await writeFile(
        join(project, 'round-trip.cjs'),
        `const { writeFileSync } = require('node:fs');
const { WeChatClient } = require('@wxmedia/sdk');
(async () => {
  const client = new WeChatClient({ appid: process.argv[3], secret: process.argv[4], baseUrl: process.argv[2] });
  const up = await client.https.uploadTempMedia({ type: 'image', media: './photo.jpg' });
  const got = await client.https.getTempMedia({ media_id: up.media_id });
  writeFileSync('copy.jpg', got.buffer);
  process.stdout.write(got.content_type);
  await client.close();
})().catch((e) => { console.error(e); process.exit(1); });
`,
      );
      const trip = ok(await run(process.execPath, ['round-trip.cjs', url, appid, secret], project), 'the round trip');
      assert.equal(trip.stdout, 'image/jpeg');
      assert.ok((await readFile(join(project, 'copy.jpg'))).equals(photo), 'byte-identical');
    } finally {
      serve.kill('SIGTERM');
      await exited;
    }
  });

  it('4. the installed packages hold no tests and no TypeScript that runs; their exports and assets all exist', async () => {
    const rootManifest = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
    const manifests = new Map<string, string>();
    for (const w of rootManifest.workspaces) manifests.set(w, await readFile(join(REPO_ROOT, w, 'package.json'), 'utf8'));
    assert.ok(!(await exists(join(project, 'node_modules', 'tsx'))), 'tsx is not installed with the packages');
    for (const p of packed) {
      const dir = join(project, 'node_modules', ...p.name.split('/'));
      const installed = await listFiles(dir);
      assert.deepEqual(installed, p.files.map((f) => f.path).sort(), `${p.name}: what npm packed is what got installed`);
      for (const file of installed) {
        assert.doesNotMatch(file, /(^|\/)(tests?|__tests__|fixtures)\//, `${p.name}: ${file} is a test folder`);
        assert.doesNotMatch(file, /\.(test|spec|conformance)\.[cm]?[jt]s(\.map)?$/, `${p.name}: ${file} is a test`);
        if (/\.[cm]?ts$/.test(file)) assert.match(file, /\.d\.[cm]?ts$/, `${p.name}: ${file} is TypeScript that would run`);
        assert.doesNotMatch(file, /(^|\/)src\//, `${p.name}: ${file} is a source file`);
      }
      // What tsc does not emit (HTML, JSON, … beside the code) ships too.
      const workspace = rootManifest.workspaces.find((w) => p.name === JSON.parse(manifests.get(w) ?? '{}').name);
      assert.ok(workspace, `${p.name} is a workspace`);
      for (const asset of (await listFiles(join(REPO_ROOT, workspace, 'src'))).filter(isAsset)) {
        assert.ok(installed.includes(`dist/${asset}`), `${p.name}: src/${asset} is not in the package (dist/${asset})`);
      }
      const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
        private?: boolean;
        exports: Record<string, Record<string, string> | string>;
        bin?: Record<string, string>;
      };
      assert.notEqual(manifest.private, true, `${p.name} is installable`);
      const targets = Object.values(manifest.exports).flatMap((e) => (typeof e === 'string' ? [e] : [e['types']!, e['default']!]));
      for (const target of [...targets, ...Object.values(manifest.bin ?? {})]) {
        assert.ok(installed.includes(relative('.', target)), `${p.name}: ${target} (exports/bin) is in the package`);
      }
    }
  });

  it('the node:test example of docs/testing.md passes against the installed packages', async () => {
    const doc = await readFile(join(REPO_ROOT, 'docs', 'testing.md'), 'utf8');
    const example = /## node:test[\s\S]*?```js\n([\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(example, 'docs/testing.md has a node:test example');
    await writeFile(join(project, 'wechat-media.test.mjs'), example);
    const r = ok(await run(process.execPath, ['--test', 'wechat-media.test.mjs'], project), 'node --test wechat-media.test.mjs');
    assert.match(r.stdout, /# pass 2\b/);
    assert.match(r.stdout, /# fail 0\b/);
  });
});


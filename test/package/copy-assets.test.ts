// scripts/copy-assets.mjs: what tsc does not emit (HTML, JSON, images, hand-written .d.ts) reaches dist/ at the same
// path, and tests and fixtures do not.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT, listFiles, tempDir } from '../helpers/server.ts';

test('copies every non-TypeScript file and hand-written declaration of src/ into dist/, leaving tests and fixtures', async () => {
  const pkg = await tempDir('wxmedia-assets-');
  try {
    const files = [
      'index.ts',
      'types.d.ts',
      'dashboard/index.html',
      'dashboard/app.css',
      'dashboard/logo.png',
      'data/table.json',
      'index.test.ts',
      'storage/store.conformance.ts',
      'fixtures/sample.json',
      'http/test/helper.js',
    ];
    for (const f of files) {
      await mkdir(dirname(join(pkg.path, 'src', f)), { recursive: true });
      await writeFile(join(pkg.path, 'src', f), f);
    }
    await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'scripts', 'copy-assets.mjs'), pkg.path]);
    assert.deepEqual(await listFiles(join(pkg.path, 'dist')), [
      'dashboard/app.css',
      'dashboard/index.html',
      'dashboard/logo.png',
      'data/table.json',
      'types.d.ts',
    ]);
  } finally {
    await pkg.cleanup();
  }
});

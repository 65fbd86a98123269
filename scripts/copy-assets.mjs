#!/usr/bin/env node
// Copies what tsc does not emit from each package's src/ into its dist/: every file that is not TypeScript
// (HTML, CSS, JSON, images, …) and hand-written declarations (.d.ts), at the same relative path, so a package that
// reads a file beside its code at run time finds it in the installed package too. Tests, test folders and fixtures
// stay behind, as in tsconfig.package.json. Plain JavaScript: it runs during `npm install`, before anything is built.
//
//   node scripts/copy-assets.mjs              every workspace of the repository
//   node scripts/copy-assets.mjs <package>…   those package folders (a package's prepack passes `.`)
import { copyFile, mkdir, readFile, readdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LEFT_OUT = /(^|\/)(test|tests|__tests__|fixtures)\/|\.(test|spec|conformance)\.[cm]?[jt]s$/;

async function* files(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile()) yield path;
  }
}

export function isAsset(relativePath) {
  if (LEFT_OUT.test(relativePath)) return false;
  return /\.d\.[cm]?ts$/.test(relativePath) || !/\.[cm]?ts$/.test(relativePath);
}

async function copyAssets(packageDir) {
  const src = join(packageDir, 'src');
  let copied = 0;
  for await (const file of files(src)) {
    const rel = relative(src, file).split('\\').join('/');
    if (!isAsset(rel)) continue;
    const target = join(packageDir, 'dist', rel);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(file, target);
    copied++;
  }
  return copied;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let dirs = process.argv.slice(2).map((d) => resolve(d));
  if (dirs.length === 0) {
    const { workspaces } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    dirs = workspaces.map((w) => join(ROOT, w));
  }
  for (const dir of dirs) await copyAssets(dir);
}

/**
 * No import cycles in the shipped code, type-only imports included: a cycle makes load order decide what is
 * defined, and makes files that should stand alone move together. Every relative import and every import of a
 * workspace package (`@wxmedia/protocol` → its src/index.ts, by the `@wxmedia/source` export condition) in
 * packages/<name>/src and packages/dashboard/app is followed; tests and conformance suites are leaves nothing
 * imports, so they are left out. Written by hand (a page of code) rather than adding a dependency-graph tool for
 * one check.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/server.ts';

const PACKAGES = join(REPO_ROOT, 'packages');
/** `import … from 'x'`, `import 'x'`, `export … from 'x'`, `import('x')`, over line breaks, `import type` included. */
const SPECIFIER = /(?:^|[;\s])(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|(?:^|[;\s])import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

async function sourceFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !/\.(test|conformance)\.ts$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

/** The workspace packages by name, each to the file its `exports["."]` names. */
async function workspaceEntries(): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  for (const name of await readdir(PACKAGES)) {
    const manifest = join(PACKAGES, name, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(await readFile(manifest, 'utf8')) as { name: string; exports?: Record<string, unknown> };
    const main = pkg.exports?.['.'];
    // The sources, as the tests and the type check resolve them (the "@wxmedia/source" export condition).
    const entry = typeof main === 'string' ? main : ((main as Record<string, unknown> | undefined)?.['@wxmedia/source'] as string | undefined);
    if (entry) entries.set(pkg.name, resolve(PACKAGES, name, entry));
  }
  return entries;
}

async function importGraph(): Promise<Map<string, string[]>> {
  const workspace = await workspaceEntries();
  const files = (await Promise.all((await readdir(PACKAGES)).flatMap((name) => [sourceFiles(join(PACKAGES, name, 'src')), sourceFiles(join(PACKAGES, name, 'app'))]))).flat();
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    const targets: string[] = [];
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1] ?? m[2] ?? m[3] ?? '';
      const target = spec.startsWith('.') ? resolve(dirname(file), spec) : workspace.get(spec);
      if (target !== undefined && existsSync(target)) targets.push(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

/** Every cycle, each once, as the list of files around it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push(stack.slice(stack.indexOf(next)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

describe('imports', () => {
  it('the checker sees the import forms the code uses (type imports, re-exports, packages)', async () => {
    const graph = await importGraph();
    const edges = (file: string) => (graph.get(join(PACKAGES, file)) ?? []).map((f) => relative(PACKAGES, f));
    assert.ok(edges('server/src/config.ts').includes('server/src/cloud/envs.ts'), '`import type` is followed');
    assert.ok(edges('protocol/src/index.ts').includes('protocol/src/errcodes.ts'), '`export … from` is followed');
    assert.ok(edges('server/src/errors.ts').includes('protocol/src/index.ts'), 'a workspace package is followed to its entry');
  });

  it('form no cycle in packages/*/src and the dashboard app', async () => {
    const found = cycles(await importGraph()).map((cycle) => cycle.map((f) => relative(PACKAGES, f)).join(' → '));
    assert.deepEqual(found, [], `import cycles:\n${found.join('\n')}`);
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { randomHex, randomInto } from './random-pool.ts';
import { RID_PATTERN, ridTime } from './rid.ts';
import { newRid } from './rid-mint.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

describe('newRid', () => {
  it('writes the time first and is unique across many pool refills', () => {
    const seen = new Set<string>();
    // 8 random bytes per rid, 4096 per refill: 5000 rids cross about ten refills.
    for (let i = 0; i < 5000; i++) {
      const rid = newRid(0x6aac005a);
      assert.match(rid, RID_PATTERN);
      assert.equal(ridTime(rid), 0x6aac005a);
      seen.add(rid);
    }
    assert.equal(seen.size, 5000);
  });
});

describe('random pool', () => {
  it('hands out each byte once, including requests that straddle a refill', () => {
    // Sizes that do not divide 4096, so some requests land at the end of the pool and force a refill.
    // (6..28 bytes: no two equal unless bytes were handed out twice.)
    const values = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const hex = randomHex(6 + (i % 23));
      assert.equal(hex.length, 2 * (6 + (i % 23)));
      values.add(hex);
    }
    assert.equal(values.size, 3000);
    const target = Buffer.alloc(40, 0xee);
    randomInto(target, 12, 16);
    assert.deepEqual(target.subarray(0, 12), Buffer.alloc(12, 0xee));
    assert.deepEqual(target.subarray(28), Buffer.alloc(12, 0xee));
    assert.throws(() => randomHex(5000), RangeError);
  });
});

/** Relative imports reachable from `file` (this package's own files), and every bare/`node:` specifier they use. */
function importGraph(file: string, seen = new Set<string>(), external = new Set<string>()): { seen: Set<string>; external: Set<string> } {
  if (seen.has(file)) return { seen, external };
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)) {
    const spec = m[1]!;
    if (spec.startsWith('.')) importGraph(join(dirname(file), spec), seen, external);
    else if (!/^import\s+type\s/.test(m[0].trim())) external.add(spec);
  }
  return { seen, external };
}

describe('browser-facing wire types', () => {
  it('admin-wire.ts and wire.ts reach no Node module (the dashboard bundles them)', () => {
    for (const entry of ['admin-wire.ts', 'wire.ts']) {
      const { seen, external } = importGraph(join(HERE, entry));
      assert.ok(seen.size > 1, `${entry} imports something`);
      assert.deepEqual([...external], [], `${entry} reaches ${[...external].join(', ')}`);
    }
  });
});

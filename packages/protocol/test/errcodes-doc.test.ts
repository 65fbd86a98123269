import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERRCODES } from '@wxmedia/protocol';

const doc = readFileSync(new URL('../../../docs/errcodes.md', import.meta.url), 'utf8');

/** Rows of the table: errcode → [errmsg, when]. */
function tableRows(): Map<number, [string, string]> {
  const rows = new Map<number, [string, string]>();
  // The catalog's table only: the section on HTTP statuses after it has rows of its own.
  for (const line of doc.split('\n## ')[0]!.split('\n')) {
    const m = /^\| (-?\d+) \| (.*) \| (.*) \|$/.exec(line);
    if (m) rows.set(Number(m[1]), [m[2]!.replaceAll('\\|', '|'), m[3]!.replaceAll('\\|', '|')]);
  }
  return rows;
}

describe('docs/errcodes.md', () => {
  it('has one row per catalog entry, with the same errmsg and explanation', () => {
    const rows = tableRows();
    const catalog = Object.values(ERRCODES);
    assert.equal(rows.size, catalog.length, 'row count differs from the catalog');
    for (const e of catalog) {
      assert.deepEqual(rows.get(e.errcode), [e.errmsg, e.when], `row for ${e.errcode}`);
    }
  });

  it('catalog errcodes are unique', () => {
    const codes = Object.values(ERRCODES).map((e) => e.errcode);
    assert.equal(new Set(codes).size, codes.length);
  });
});

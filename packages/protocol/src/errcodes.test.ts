import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { tableRows } from '../../../test/helpers/markdown.ts';
import { ERRCODES } from './errcodes.ts';

const doc = readFileSync(new URL('../../../docs/errcodes.md', import.meta.url), 'utf8');

/** Rows of the table: errcode → [errmsg, when]. */
function tableByErrcode(): Map<number, [string, string]> {
  return new Map(tableRows(doc, ['errcode', 'errmsg', 'when']).map(([errcode, errmsg, when]) => [Number(errcode), [errmsg ?? '', when ?? '']]));
}

describe('docs/errcodes.md', () => {
  it('has one row per catalog entry, with the same errmsg and explanation', () => {
    const rows = tableByErrcode();
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

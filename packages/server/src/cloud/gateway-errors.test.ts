import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { tableLine, tableRows } from '../../../../test/helpers/markdown.ts';
import { CLOUD_CALL_ERRORS, TCB_GATEWAY_ERRORS } from './gateway-errors.ts';

const doc = readFileSync(new URL('../../../../docs/cloud-call.md', import.meta.url), 'utf8');

/** Compares a documentation table with the rows a catalog calls for, and says which lines to paste when they differ. */
function assertTable(header: readonly string[], expected: readonly string[][]): void {
  const actual = tableRows(doc, header);
  assert.deepEqual(actual, expected, `docs/cloud-call.md: the table under ${tableLine(header)} should read:\n${expected.map(tableLine).join('\n')}`);
}

describe('docs/cloud-call.md and the gateway error catalogs', () => {
  it('the WeChat-side codes table has one row per CLOUD_CALL_ERRORS entry, in order', () => {
    assertTable(
      ['errorCode', 'wx-server-sdk name', 'when'],
      Object.values(CLOUD_CALL_ERRORS).map((e) => [String(e.errorCode), `\`${e.sdkName}\``, e.when]),
    );
  });

  it('the Tencent Cloud gateway errors table has one row per TCB_GATEWAY_ERRORS entry, in order', () => {
    assertTable(
      ['code', 'message', 'when'],
      Object.values(TCB_GATEWAY_ERRORS).map((e) => [`\`${e.code}\``, e.message, e.when]),
    );
  });

  it('no two entries answer alike: each (code, message) and each errorCode names one error', () => {
    const tcb = Object.values(TCB_GATEWAY_ERRORS).map((e) => `${e.code} ${e.message}`);
    assert.equal(new Set(tcb).size, tcb.length);
    const wx = Object.values(CLOUD_CALL_ERRORS).map((e) => e.errorCode);
    assert.equal(new Set(wx).size, wx.length);
  });
});

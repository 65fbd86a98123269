import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quotaDay, quotaMonth } from './limits.ts';

describe('quotaDay', () => {
  it('is the Beijing date (UTC+8), the same however calls alternate between days', () => {
    const midnightBeijing = Date.UTC(2026, 10, 25, 16, 0, 0) / 1000; // 2026-11-26 00:00 in Beijing
    for (let i = 0; i < 2; i++) {
      assert.equal(quotaDay(midnightBeijing - 1), '20261125');
      assert.equal(quotaDay(midnightBeijing), '20261126');
      assert.equal(quotaDay(midnightBeijing + 86_399), '20261126');
      assert.equal(quotaDay(midnightBeijing + 86_400), '20261127');
    }
    assert.equal(quotaDay(0), '19700101');
    assert.equal(quotaMonth(midnightBeijing), '202611');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quotaDay, quotaMonth } from './limits.ts';

describe('quotaDay', () => {
  it('turns at midnight Beijing time (16:00 UTC), whatever order days are asked in', () => {
    const midnightBeijing = Date.UTC(2026, 10, 26, 16) / 1000; // 2026-11-27 00:00 in Beijing
    // Back and forth across the boundary: the remembered last day must never answer for another.
    const asked = [midnightBeijing - 1, midnightBeijing, midnightBeijing - 1, midnightBeijing + 86_399, midnightBeijing + 86_400, 0];
    assert.deepEqual(asked.map(quotaDay), ['20261126', '20261127', '20261126', '20261127', '20261128', '19700101']);
    assert.equal(quotaMonth(midnightBeijing - 1), '202611');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hourBucketName, hourBucketStart } from './hour-bucket.ts';

describe('hourBucketName', () => {
  it('names the UTC hour, whatever order hours are asked in', () => {
    const hour = Date.UTC(2026, 10, 26, 23) / 1000;
    // Back and forth across hour and day boundaries: the remembered last hour must never answer for another.
    const asked = [hour, hour + 3599, hour + 3600, hour - 1, hour, hour + 7200];
    assert.deepEqual(asked.map(hourBucketName), ['2026112623', '2026112623', '2026112700', '2026112622', '2026112623', '2026112701']);
    assert.equal(hourBucketStart(hourBucketName(hour + 1234)), hour);
  });
});

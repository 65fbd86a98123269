import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { growOldGenerationFreely, holdYoungGeneration } from './heap-tuning.ts';

describe('holdYoungGeneration', () => {
  it("leaves the young generation alone when the user sized it, in node's flags or NODE_OPTIONS", () => {
    assert.equal(holdYoungGeneration(['--max-semi-space-size=64'], ''), false);
    assert.equal(holdYoungGeneration([], '--max_semi_space_size=8 --enable-source-maps'), false);
    assert.equal(holdYoungGeneration([], '--semi-space-growth-factor=4'), false);
    assert.equal(holdYoungGeneration(['--min-semi-space-size=2'], ''), false);
  });

  it('holds it otherwise (a runtime V8 flag that Node accepts)', () => {
    assert.equal(holdYoungGeneration(['--enable-source-maps'], '--import=x.mjs'), true);
  });
});

describe('growOldGenerationFreely', () => {
  it("leaves the old generation's growth alone when the user chose it", () => {
    assert.equal(growOldGenerationFreely(['--heap-growing-percent=50'], ''), false);
    assert.equal(growOldGenerationFreely([], '--heap_growing_percent=10'), false);
  });

  it('sets it otherwise (a runtime V8 flag that Node accepts), whatever else limits the heap', () => {
    assert.equal(growOldGenerationFreely(['--enable-source-maps'], '--max-old-space-size=512'), true);
  });
});

// The bounds of shared/limits.ts: what they refuse, what they say, and that they agree with what
// a saved result may hold.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { LIMITS, runSizeProblem, stepsProblem } from '../../../src/shared/limits';
import { RESULT_LIMITS } from '../../../src/shared/resultFile';

test('every path the limits allow fits in a result file', () => {
  // Read as plain numbers: the constants are literal types, and the check is that they agree.
  const frames: number = RESULT_LIMITS.frames;
  const outputs: number = RESULT_LIMITS.outputs;
  assert.ok(LIMITS.steps <= frames);
  assert.ok(LIMITS.outputs <= outputs);
  // About 30 bytes per prediction in the pretty-printed JSON.
  assert.ok(LIMITS.predictions * 30 < RESULT_LIMITS.bytes);
});

test('steps outside 3..1001 are refused', () => {
  assert.equal(stepsProblem(3), null);
  assert.equal(stepsProblem(1001), null);
  for (const bad of [2, 1002, 5000, 4.5, NaN])
    assert.match(stepsProblem(bad) ?? '', /3 .* to 1001/);
});

test('a run too large for memory or for its result says what to change', () => {
  const small = { steps: 21, width: 128, height: 128, outputs: [2, 2, 2] };
  assert.equal(runSizeProblem(small), null);
  // 12 megapixels: 36 MB a frame, so 59 frames fit in 2 GiB.
  assert.match(
    runSizeProblem({ ...small, steps: 150, width: 4000, height: 3000 }) ?? '',
    /150 edited images of 4000x3000 take 5\.03 GiB .* Use at most 59 steps/,
  );
  assert.equal(runSizeProblem({ ...small, width: 4000, height: 3000 }), null);
  assert.match(
    runSizeProblem({ ...small, steps: 3, width: 30000, height: 30000 }) ?? '',
    /Downscale the image/,
  );
  assert.match(
    runSizeProblem({ ...small, outputs: [100_000] }) ?? '',
    /2,100,000 predictions.*Use at most 15 steps/,
  );
  assert.equal(runSizeProblem({ ...small, steps: 150, outputs: [1000] }), null);
  assert.match(
    runSizeProblem({ ...small, steps: 5000 }) ?? '',
    /5000 images, more than the limit of 1001/,
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  jumpText,
  predictionJump,
  runDetails,
  runSummary,
  runWhere,
  seedSpreadDetail,
  seedSpreadText,
} from '../../../src/shared/editorFacts';
import type { ModelRecord } from '../../../src/shared/resultFile';
import { diffusionResult, without } from '../diffusionBuilders';

function model(): ModelRecord {
  const m = diffusionResult().models[0];
  assert.ok(m !== undefined);
  return m;
}

test('the jump is the total variation from the source prediction to the first frame', () => {
  // predictions[0] is [1, 0]; the source [0.99, 0.01]: one hundredth of the mass moved.
  const jump = predictionJump(model());
  assert.ok(jump !== null);
  assert.ok(Math.abs(jump.moved - 0.01) < 1e-12);
  assert.equal(jump.probabilities, true);
  assert.deepEqual(jump.source, { label: 'cat', value: 0.99 });
  assert.deepEqual(jump.first, { label: 'cat', value: 1 });
  assert.equal(jumpText(jump), 'P(cat) 0.990 → 1.000 (moved 1 %)');
});

test('a jump to another class names both; outputs that are not probabilities are not percentages', () => {
  const flipped = predictionJump({ ...model(), sourcePrediction: [0.2, 0.8] });
  assert.ok(flipped !== null);
  assert.equal(jumpText(flipped), 'dog 0.800 → cat 1.000 (moved 80 %)');
  const logits = predictionJump({
    ...model(),
    predictions: [[3, -1]],
    sourcePrediction: [2, 1],
  });
  assert.ok(logits !== null);
  assert.equal(logits.probabilities, false);
  assert.equal(jumpText(logits), 'cat 2 → 3 (moved 1.5 in output units)');
});

test('no jump without a source prediction of the same width', () => {
  assert.equal(predictionJump(without(model(), 'sourcePrediction')), null);
  assert.equal(predictionJump({ ...model(), sourcePrediction: [1] }), null);
  assert.equal(predictionJump({ ...model(), sourcePrediction: [Number.NaN, Number.NaN] }), null);
});

test('the spread over seeds: mean ± std, the seeds and the range of flips', () => {
  const spread = model().seedSpread;
  assert.ok(spread !== undefined);
  assert.equal(seedSpreadText(spread), '1 ± 0.1 over 3 seeds');
  assert.equal(seedSpreadDetail(spread), 'seeds 0, 1, 2; flips 1 to 2');
  const one = { ...spread, seeds: [7], epgm: [1], flips: [0], epgmStd: 0 };
  assert.equal(seedSpreadText(one), '1 ± 0 over 1 seed');
  assert.equal(seedSpreadDetail(one), 'seeds 7; flips 0');
  const many = { ...spread, seeds: Array.from({ length: 20 }, (_, k) => k) };
  assert.match(seedSpreadDetail(many), /^seeds 0, 1, 2, 3, 4, 5, 6, 7, … \(20\)/);
});

test("the editor's run in one line, where it ran, and every number for the details", () => {
  const run = diffusionResult().editor.run;
  assert.ok(run !== undefined);
  assert.equal(
    runSummary(run),
    '20 denoising steps, 91 UNet calls, 1,821 image evaluations, 12.3 s (unet 11.1 s)',
  );
  assert.equal(runWhere(run), '64 × 48 px on cuda');
  assert.equal(
    runWhere({ ...run, provider: 'cpu', fallbackReason: 'no CUDA' }),
    '64 × 48 px on cpu (fell back: no CUDA)',
  );
  assert.deepEqual(runDetails({ ...run, counts: { unetCalls: 1234 }, phasesMs: { load: 50 } }), [
    'unetCalls 1,234',
    'load 50 ms',
  ]);
  assert.equal(runSummary({ ...run, counts: {}, phasesMs: {} }), '');
});

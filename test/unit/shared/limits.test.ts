// The bounds of shared/limits.ts: what they refuse, what they say, and that they agree with what
// a saved result may hold.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { measure } from '../../../src/extension/measures';
import { toMeasureJson } from '../../../src/extension/pipeline/measureJson';
import { formatSize } from '../../../src/shared/format';
import {
  LIMITS,
  resultBytesEstimate,
  runSizeProblem,
  stepsProblem,
} from '../../../src/shared/limits';
import { RESULT_LIMITS, stableStringify, type ResultFile } from '../../../src/shared/resultFile';
import { sampleResult } from '../builders';

test('every path the limits allow fits in a result file', () => {
  // Read as plain numbers: the constants are literal types, and the check is that they agree.
  // (LIMITS.outputs is RESULT_LIMITS.outputs itself: nothing to compare.)
  const frames: number = RESULT_LIMITS.frames;
  assert.ok(LIMITS.steps <= frames);
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
  const pair = ['cat', 'dog'];
  const small = {
    steps: 21,
    width: 128,
    height: 128,
    outputs: [2, 2, 2],
    labels: [pair, pair, pair],
  };
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

/** `count` distinct class names of `chars` characters each. */
function longLabels(count: number, chars: number): string[] {
  return Array.from(
    { length: count },
    (_, c) => `${String(c).padStart(6, '0')} ${'n'.repeat(chars - 7)}`,
  );
}

test('class names count towards the size of the result, which must open again', () => {
  const labels = longLabels(100_000, 190);
  // 1.5 million predictions pass the count, but 2 x 100,000 names of 190 characters make the
  // result 98 MB, more than the loader's 64 MiB.
  const run = { steps: 15, width: 128, height: 128, outputs: [100_000], labels: [labels] };
  assert.match(
    runSizeProblem(run) ?? '',
    /about .* MiB, .* MiB of it the class names .* more than the 64 MiB a result may have/,
  );
  // The default names ("class 12345") still fit, as before.
  const plain = Array.from({ length: 100_000 }, (_, c) => `class ${c}`);
  assert.equal(runSizeProblem({ ...run, labels: [plain] }), null);
});

test('the size estimate bounds the real saved JSON of a large result, and not loosely', () => {
  const steps = 15;
  const outputs = 20_000;
  const labels = longLabels(outputs, 190);
  // Softmax-like scores, some tiny (exponent notation, the longest numbers).
  const predictions = Array.from({ length: steps }, (_, k) =>
    Array.from(
      { length: outputs },
      (_, c) => ((c * 7919 + k * 104729) % 1000) / 1000 / (c % 3 === 0 ? 1e9 : 1) + 1e-17,
    ),
  );
  const strengths = Array.from({ length: steps }, (_, k) => k / (steps - 1));
  const base = sampleResult();
  const model = base.models[0];
  assert.ok(model !== undefined);
  const result: ResultFile = {
    ...base,
    frames: strengths.map((strength, k) => ({
      file: `cat.frames/brightness/${String(k).padStart(3, '0')}.png`,
      strength,
      parameter: 1 + 0.8 * strength,
      changeInside: strength / 10,
      changeOutside: null,
    })),
    models: [
      {
        ...model,
        labels,
        predictions,
        measure: toMeasureJson(measure({ predictions, strengths }, { permutations: 50 }), labels),
      },
    ],
  };
  const actual = new TextEncoder().encode(stableStringify(result)).length;
  const estimate = resultBytesEstimate({ steps, outputs: [outputs], labels: [labels] });
  assert.ok(actual <= estimate, `estimate ${estimate} below the real ${actual} bytes`);
  // Loose only by the numbers: it takes each at its longest (24 characters), these are 18 to 22.
  assert.ok(estimate <= 1.4 * actual, `estimate ${estimate} far above the real ${actual} bytes`);
});

test('sizes are written in binary units', () => {
  assert.equal(formatSize(RESULT_LIMITS.bytes), '64 MiB');
  assert.equal(formatSize(256 * 1024 * 1024), '256 MiB');
  assert.equal(formatSize(1.5 * 1024 ** 3), '1.5 GiB');
  assert.equal(formatSize(512), '512 bytes');
  assert.equal(formatSize(98_000_000), '93.5 MiB');
});

test('a run of more classifiers than a result holds is refused; a long training run is not', () => {
  const size = (models: number) => ({
    steps: 21,
    width: 64,
    height: 64,
    outputs: Array.from({ length: models }, () => 2),
    labels: Array.from({ length: models }, () => ['cat', 'dog']),
  });
  assert.equal(runSizeProblem(size(200)), null);
  assert.match(runSizeProblem(size(513)) ?? '', /513 classifiers are more than the 512/);
});

// Sizes and magnitudes the measurement refuses before any work: too many permutations (the test
// keeps one number per permutation), and predictions or strengths whose differences overflow
// doubles (EPGM would be Infinity, the null distribution NaN and p = 0, which the contract forbids).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  analyse,
  complete,
  makeGrid,
  measure,
  MEASURE_LIMITS,
  type PermutationTest,
} from '../../../src/extension/measures';
import { throwsInput } from './helpers';

const Y = [0.1, 0.4, 0.3, 0.8, 0.6];

void test('more permutations than the bound are refused before the test runs', () => {
  throwsInput(
    () => analyse({ predictions: Y }, { permutations: 1e9 }),
    /at most 1,000,000, got 1000000000/,
  );
  throwsInput(() => analyse({ predictions: Y }, { permutations: 1e12 }), /at most 1,000,000/);
  const atBound = analyse({ predictions: Y }, { permutations: MEASURE_LIMITS.permutations });
  assert.equal(atBound.testOptions.permutations, 1_000_000);
});

void test('predictions of +-1e308 are refused, not measured as EPGM null and p = 0', () => {
  throwsInput(
    () => measure({ predictions: [1e308, -1e308, 1e308, -1e308, 1e308] }),
    /up to 1e\+308 in magnitude\) are too large.*Rescale them/,
  );
  // Finite differences of finite numbers overflow well below the largest double.
  throwsInput(
    () =>
      measure({
        predictions: [
          [1e200, 0],
          [2e200, 0],
          [3e200, 0],
        ],
      }),
    /too large/,
  );
  // Logits of any realistic size are measured.
  const logits = measure({ predictions: [-1e6, 0, 1e6, 2e6] }, { permutations: 100 });
  assert.ok(Number.isFinite(logits.epgm) && logits.test.pValue > 0);
});

void test('strengths that overflow their span or nearly coincide are refused', () => {
  throwsInput(() => makeGrid(3, [-1e308, 0, 1e308 * 1.5]), /more than double precision can hold/);
  throwsInput(
    () => measure({ predictions: [0.1, 0.5, 0.9], strengths: [0, 5e-324, 1] }),
    /nearly coincide/,
  );
});

void test('a shuffle test that overflowed anyway is refused rather than reported with p = 0', () => {
  const analysis = analyse({ predictions: Y }, { permutations: 10 });
  const overflowed: PermutationTest = {
    ...analysis.partial,
    ...measure({ predictions: Y }, { permutations: 10 }).test,
    pValue: 0,
    nullMean: Infinity,
  };
  throwsInput(() => complete(analysis, overflowed), /overflowed double precision/);
});

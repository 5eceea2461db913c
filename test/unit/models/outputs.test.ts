// Outputs to per-image vectors: softmax, row splitting and NaN/Inf detection.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { firstNonFinite, softmax, splitRows } from '../../../src/extension/models/outputs';
import { assertRowsNear } from './helpers';

describe('softmax', () => {
  test('hand-computed values', () => {
    // Python: e = exp([1, 2, 3]); e / e.sum()
    assertRowsNear(
      [softmax([1, 2, 3])],
      [[0.09003057317038046, 0.24472847105479767, 0.6652409557748219]],
      1e-7,
      'softmax [1, 2, 3]',
    );
    // The red/blue fixtures' logits for a pure red image: [4, -4] -> 1 / (1 + e^-8), e^-8 / (1 + e^-8).
    assertRowsNear(
      [softmax([4, -4])],
      [[0.9996646498695336, 0.00033535013046647816]],
      1e-7,
      '[4, -4]',
    );
  });

  test('large logits do not overflow; equal logits share evenly', () => {
    assertRowsNear(
      [softmax([1000, 1000]), softmax([-1000, 0])],
      [
        [0.5, 0.5],
        [0, 1],
      ],
      1e-12,
      'extremes',
    );
  });
});

describe('rows', () => {
  test('splitRows keeps the first rows and drops padding', () => {
    const rows = splitRows(Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8), 2, 3);
    assert.deepEqual(
      rows.map((r) => Array.from(r)),
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
    );
    assert.throws(() => splitRows(Float32Array.of(1, 2), 2, 2), RangeError);
  });

  test('firstNonFinite finds NaN and infinities with their row', () => {
    assert.equal(firstNonFinite([Float32Array.of(1, 2)]), null);
    assert.deepEqual(firstNonFinite([Float32Array.of(1, 2), Float32Array.of(3, Number.NaN)]), {
      row: 1,
      value: Number.NaN,
    });
    assert.deepEqual(firstNonFinite([Float32Array.of(-Infinity, 0)]), { row: 0, value: -Infinity });
  });
});

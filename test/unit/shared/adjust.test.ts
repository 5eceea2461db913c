// Multiple-testing adjustments. Expected values are R's stats::p.adjust, reproduced by hand below
// and with a numpy transcription of p.adjust's source (R 4.x):
//   holm: pmin(1, cummax((n - i + 1) * p[o]))[ro], o = order(p)
//   BH:   pmin(1, cummin(n / i * p[o]))[ro],       o = order(p, decreasing = TRUE), i = n:1
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { adjustPValues, benjaminiHochberg, holm } from '../../../src/shared/adjust';
import { assertAllClose } from '../measures/helpers';

const P = [0.01, 0.04, 0.03, 0.005, 0.2];

void test('Holm: p.adjust(c(0.01, 0.04, 0.03, 0.005, 0.2), "holm")', () => {
  // Sorted: .005*5 = .025, .01*4 = .04, .03*3 = .09, .04*2 = .08 -> .09 (cummax), .2*1 = .2.
  assertAllClose(holm(P), [0.04, 0.09, 0.09, 0.025, 0.2], 1e-15, 'holm');
  assertAllClose(adjustPValues(P, 'holm'), [0.04, 0.09, 0.09, 0.025, 0.2], 1e-15, 'holm');
});

void test('Benjamini-Hochberg: p.adjust(c(0.01, 0.04, 0.03, 0.005, 0.2), "BH")', () => {
  // Sorted: 5/1*.005 = .025, 5/2*.01 = .025, 5/3*.03 = .05, 5/4*.04 = .05, 5/5*.2 = .2;
  // cummin from the largest changes nothing.
  assertAllClose(benjaminiHochberg(P), [0.025, 0.05, 0.05, 0.025, 0.2], 1e-15, 'BH');
  assertAllClose(adjustPValues(P, 'bh'), [0.025, 0.05, 0.05, 0.025, 0.2], 1e-15, 'BH');
});

void test('capped at 1, and the step-down / step-up monotonicity (p = c(0.5, 0.3, 0.8, 0.02))', () => {
  const p = [0.5, 0.3, 0.8, 0.02];
  // Holm: .02*4 = .08, .3*3 = .9, .5*2 = 1.0, .8*1 = .8 -> cummax 1.0. R: 1.00 0.90 1.00 0.08.
  assertAllClose(holm(p), [1, 0.9, 1, 0.08], 1e-15, 'holm');
  // BH: 4*.02/1 = .08, 4*.3/2 = .6, 4*.5/3 = .6667, 4*.8/4 = .8. R: 0.6667 0.6000 0.8000 0.0800.
  assertAllClose(benjaminiHochberg(p), [2 / 3, 0.6, 0.8, 0.08], 1e-15, 'BH');
  // A p-value whose Holm factor exceeds 1/p is capped.
  assert.deepEqual(holm([0.6, 0.7]), [1, 1]);
  assert.deepEqual(benjaminiHochberg([1, 1, 1]), [1, 1, 1]);
});

void test('ties, 0 and 1, a single test and an empty family', () => {
  // R: p.adjust(c(.01, .01, .02), "holm") = 0.03 0.03 0.03; "BH" = 0.015 0.015 0.020.
  assertAllClose(holm([0.01, 0.01, 0.02]), [0.03, 0.03, 0.03], 1e-15, 'holm ties');
  assertAllClose(benjaminiHochberg([0.01, 0.01, 0.02]), [0.015, 0.015, 0.02], 1e-15, 'BH ties');
  // R: p.adjust(c(0, 1, 0.5), "holm") = 0 1 1; "BH" = 0.00 1.00 0.75.
  assert.deepEqual(holm([0, 1, 0.5]), [0, 1, 1]);
  assert.deepEqual(benjaminiHochberg([0, 1, 0.5]), [0, 1, 0.75]);
  // One test: nothing to adjust.
  assert.deepEqual(holm([0.04]), [0.04]);
  assert.deepEqual(benjaminiHochberg([0.04]), [0.04]);
  assert.deepEqual(holm([]), []);
  assert.deepEqual(benjaminiHochberg([]), []);
});

void test('order preserved, monotone in p, never below p, BH <= Holm', () => {
  const p = [0.2, 0.001, 0.04, 0.03, 0.5, 0.012, 0.0001, 0.9];
  const h = holm(p);
  const b = benjaminiHochberg(p);
  p.forEach((pi, i) => {
    const hi = h[i] ?? Number.NaN;
    const bi = b[i] ?? Number.NaN;
    assert.ok(hi >= pi && bi >= pi && hi <= 1 && bi <= 1, `index ${i}`);
    // BH's factor m/j never exceeds Hochberg's m - j + 1, and Hochberg <= Holm.
    assert.ok(bi <= hi, `BH ${bi} <= Holm ${hi}`);
    p.forEach((pj, j) => {
      if (pi <= pj) {
        assert.ok(hi <= (h[j] ?? Number.NaN), `holm monotone ${i} ${j}`);
        assert.ok(bi <= (b[j] ?? Number.NaN), `BH monotone ${i} ${j}`);
      }
    });
  });
  // The input is not reordered or modified.
  assert.deepEqual(p, [0.2, 0.001, 0.04, 0.03, 0.5, 0.012, 0.0001, 0.9]);
});

void test('invalid p-values are refused with their position', () => {
  for (const adjust of [holm, benjaminiHochberg]) {
    assert.throws(() => adjust([0.1, 1.2]), {
      name: 'RangeError',
      message: /p-value 1 is 1\.2.*\[0, 1\]/,
    });
    assert.throws(() => adjust([-0.01]), { name: 'RangeError', message: /p-value 0 is -0\.01/ });
    assert.throws(() => adjust([0.5, 0.2, Number.NaN]), {
      name: 'RangeError',
      message: /p-value 2 is NaN/,
    });
    assert.throws(() => adjust([Infinity]), {
      name: 'RangeError',
      message: /p-value 0 is Infinity/,
    });
  }
});

void test('BH of the largest p-value is that p exactly (R: n/n * p), also at a decision boundary', () => {
  // R: p.adjust(c(0.1, 0.1, 0.1), "BH") computes n/i * p = 3/3 * 0.1 = 0.1 for the largest,
  // then cummin: 0.1 0.1 0.1. Computing (n * p) / i instead gives 0.30000000000000004 / 3 =
  // 0.10000000000000002, which is above alpha = 0.1 where R's value is not.
  assert.deepEqual(benjaminiHochberg([0.1, 0.1, 0.1]), [0.1, 0.1, 0.1]);
  assert.ok(
    (benjaminiHochberg([0.1, 0.1, 0.1])[0] ?? 1) <= 0.1,
    'significant at alpha = 0.1, as in R',
  );
  // An adjusted p-value is never below its raw p-value (R: n/i >= 1, rounding is monotone).
  const p = [0, 0, 0, 0, 0.9999999999999989, 0];
  assert.ok((benjaminiHochberg(p)[4] ?? 0) >= 0.9999999999999989);
});

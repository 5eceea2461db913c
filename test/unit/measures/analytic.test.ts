// Paths whose EPGM, gradient and test outcome are known in closed form.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { measure, Rng } from '../../../src/extension/measures';
import { assertAllClose, assertClose, flipsOf, methodSine, shuffled } from './helpers';

void test('constant predictions on a uniform grid: EPGM exactly 0, p = 1 exactly, a warning', () => {
  for (const permutations of [10_000, 200]) {
    // N = 6: 720 orders; K = 10000 enumerates them (exact), K = 200 samples.
    const result = measure({ predictions: [0.3, 0.3, 0.3, 0.3, 0.3, 0.3] }, { permutations });
    assert.equal(result.test.exact, permutations >= 720);
    assert.equal(result.epgm, 0);
    assert.equal(result.totalVariation, 0);
    // METHOD.md: ">=" makes a constant prediction give p = 1.
    assert.equal(result.test.pValue, 1);
    assert.equal(result.test.pValueLegacy, 1);
    assert.equal(result.test.direction, 'neither');
    assert.equal(result.test.significant, false);
    assert.ok(result.warnings.some((w) => /do not change/.test(w) && /p = 1/.test(w)));
    assert.equal(flipsOf(result).count, 0);
  }
});

void test('constant predictions on a non-uniform grid and a matrix: EPGM 0 up to rounding, p = 1', () => {
  const strengths = [0, 0.1, 0.15, 0.4, 0.7, 1];
  // The three-point weights of a non-uniform grid sum to 0 only up to rounding: numpy.gradient of
  // a constant 0.3 on this grid gives [0, 0, -2.2e-16, 0, 5.6e-17, 0] too.
  const one = measure({ predictions: strengths.map(() => 0.3), strengths }, { permutations: 300 });
  assert.ok(one.epgm < 1e-15, `EPGM ${one.epgm}`);
  assert.equal(one.test.pValue, 1);
  assert.equal(one.test.direction, 'neither');
  const rows = strengths.map(() => [0.2, 0.5, 0.3]);
  const many = measure({ predictions: rows, strengths }, { permutations: 300, edgeOrder: 2 });
  assert.ok(many.epgm < 1e-14, `EPGM ${many.epgm}`);
  assert.equal(many.test.pValue, 1);
  assert.ok(many.warnings.some((w) => /do not change/.test(w)));
});

void test('a linear ramp y = a t has gradient a everywhere and EPGM |a|', () => {
  const strengths = [0, 0.05, 0.3, 0.35, 0.6, 0.61, 0.9, 1];
  for (const a of [2.5, -0.7]) {
    for (const edgeOrder of [1, 2] as const) {
      const y = strengths.map((t) => 0.1 + a * t);
      const result = measure({ predictions: y, strengths }, { permutations: 100, edgeOrder });
      assertAllClose(
        result.gradient.data,
        strengths.map(() => a),
        1e-12,
        `g, a = ${a}`,
      );
      assertClose(result.epgm, Math.abs(a), 1e-12, `EPGM, a = ${a}`);
    }
  }
  // In editor units the slope is rescaled: y = 0.02 s over s in [0, 50] is y = 1 * t.
  const s = [0, 10, 20, 30, 40, 50];
  assertClose(measure({ predictions: s.map((v) => 0.02 * v), strengths: s }).epgm, 1, 1e-12);
});

void test('a sigmoid: EPGM is about the change from end to end (numpy), one flip at the middle', () => {
  const n = 101;
  const y = Array.from({ length: n }, (_, k) => 1 / (1 + Math.exp(-10 * (k / 100 - 0.5))));
  const result = measure({ predictions: y }, { permutations: 999, seed: 3 });
  // numpy: mean(abs(gradient(y, linspace(0, 1, 101)))) = 0.9775376124469579.
  assertClose(result.epgm, 0.9775376124469579, 1e-12, 'EPGM');
  // For a monotone curve mean |dy/dt| ~ (N - 1)/N (y(1) - y(0)) = 0.97685 (trapezoid rule).
  assertClose(result.epgm, (100 / 101) * (y[100] ?? 0) - (100 / 101) * (y[0] ?? 0), 2e-3);
  // numpy with edge_order=2: 0.9774659892896499.
  const second = measure({ predictions: y }, { permutations: 99, edgeOrder: 2 });
  assertClose(second.epgm, 0.9774659892896499, 1e-12, 'EPGM, edge order 2');
  // Total variation of a monotone path = y(1) - y(0) = 2 sigma(5) - 1 = 0.9866142981514303.
  assertClose(result.totalVariation, 0.9866142981514303, 1e-12, 'total variation');
  // The steepest step is the central difference at t = 0.5: (sigma(0.1) - sigma(-0.1)) / 0.02
  // = 2.497918747894 (hand), close to the true maximum slope 10/4 = 2.5.
  const sigma = (x: number): number => 1 / (1 + Math.exp(-x));
  const steepest = (sigma(0.1) - sigma(-0.1)) / 0.02;
  assertClose(Math.max(...result.gradient.data), steepest, 1e-12, 'max slope');
  assertClose(steepest, 2.497918747894, 1e-12, 'max slope by hand');
  // Smooth: far below its shuffles, p = 1/(K+1).
  assert.equal(result.test.direction, 'smoother');
  assert.equal(result.test.pValue, 1 / 1000);
  // y(0.5) = 0.5 is not above the 0.5 threshold: the class changes at k = 51, t = 0.51.
  const flips = flipsOf(result);
  assert.equal(flips.count, 1);
  const [flip] = flips.flips;
  assert.ok(flip !== undefined);
  assert.equal(flip.index, 51);
  assertClose(flip.t, 0.51, 1e-12, 'flip t');
  assert.deepEqual([flip.from, flip.to], [0, 1]);
});

void test('the sine lands in the lower tail (smoother, small p); its shuffles mostly do not', () => {
  const sine = methodSine();
  const smooth = measure({ predictions: sine }, { permutations: 999, seed: 11 });
  assert.equal(smooth.test.direction, 'smoother');
  assert.ok(smooth.test.statistic < smooth.test.nullMean / 5, 'far below the null mean');
  assert.equal(smooth.test.pValue, 1 / 1000);
  assert.equal(smooth.test.significant, true);

  // Random orders of the same values have no serial structure: under this null hypothesis
  // P(p <= 0.05) <= 0.05, so of 20 shuffles about 1 is significant; more than 4 has binomial
  // probability 0.0026 (and the outcome is fixed by the seeds).
  const rng = new Rng(2024);
  let significant = 0;
  let smallest = 1;
  for (let i = 0; i < 20; i++) {
    const noise = shuffled(sine, rng);
    const result = measure({ predictions: noise }, { permutations: 999, seed: i, alpha: 0.05 });
    if (result.test.significant) significant++;
    smallest = Math.min(smallest, result.test.pValue);
  }
  assert.ok(significant <= 4, `${significant} of 20 shuffled paths significant at 0.05`);
  assert.ok(smallest > 1 / 1000, 'no shuffle is as extreme as the smooth sine');
});

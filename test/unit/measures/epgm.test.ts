// EPGM per output and of the whole prediction vector, total variation, and the oscillation blind
// spot of central differences.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  aggregateEpgm,
  epgmPerOutput,
  makeGrid,
  makeStencil,
  measure,
  propertyGradient,
  toMatrix,
  totalVariationPerOutput,
} from '../../../src/extension/measures';
import { assertAllClose, assertClose, gradientOf, meanAbs } from './helpers';

// Three-class softmax rows along a non-uniform path (rows sum to 1).
const Y3 = [
  [0.7, 0.2, 0.1],
  [0.6, 0.3, 0.1],
  [0.3, 0.5, 0.2],
  [0.2, 0.5, 0.3],
  [0.1, 0.3, 0.6],
];
const S3 = [0, 0.2, 0.3, 0.7, 1];

void test('EPGM per output is mean |g| of each column (numpy)', () => {
  const g = propertyGradient(toMatrix(Y3), makeStencil(makeGrid(5, S3), 1));
  // numpy: abs(gradient(Y, s, axis=0)).mean(axis=0).
  assertAllClose(
    epgmPerOutput(g),
    [1.1495238095238096, 0.9295238095238098, 0.6390476190476191],
    1e-12,
    'edge order 1',
  );
  const g2 = propertyGradient(toMatrix(Y3), makeStencil(makeGrid(5, S3), 2));
  assertAllClose(
    epgmPerOutput(g2),
    [1.29, 0.986666666666667, 0.8366666666666671],
    1e-12,
    'order 2',
  );
});

void test('aggregate EPGM is half the mean L1 norm of the gradient rows', () => {
  const g = propertyGradient(toMatrix(Y3), makeStencil(makeGrid(5, S3), 1));
  // numpy: abs(G).sum() / (2 * N) = 1.3590476190476193 (edge order 1), 1.5566666666666673 (2).
  assertClose(aggregateEpgm(g), 1.3590476190476193, 1e-12, 'edge order 1');
  // ... which is half the sum of the per-output EPGMs.
  const perOutput = Array.from(epgmPerOutput(g));
  assertClose(aggregateEpgm(g), perOutput.reduce((a, b) => a + b, 0) / 2, 1e-12, 'sum / 2');
  const result = measure({ predictions: Y3, strengths: S3 }, { edgeOrder: 2, permutations: 100 });
  assert.deepEqual(result.statistic, { kind: 'aggregate' });
  assertClose(result.epgm, 1.5566666666666673, 1e-12, 'measure, edge order 2');
  assert.ok(!result.warnings.some((w) => /not probability vectors/.test(w)));
});

void test('two softmax classes: the aggregate EPGM equals the EPGM of either class', () => {
  const p = [0.9, 0.85, 0.7, 0.4, 0.2, 0.15, 0.1];
  const s = [0, 0.1, 0.25, 0.5, 0.6, 0.9, 1];
  const rows = p.map((q) => [q, 1 - q]);
  const result = measure({ predictions: rows, strengths: s }, { permutations: 100 });
  const [dog, cat] = result.epgmPerOutput;
  assert.ok(dog !== undefined && cat !== undefined);
  // METHOD.md: "for two classes it equals EPGM of either class".
  assertClose(result.epgm, dog, 1e-12, 'aggregate vs class 0');
  assertClose(result.epgm, cat, 1e-12, 'aggregate vs class 1');
  // And the one-column measure of class 0 on its own.
  assertClose(
    result.epgm,
    measure({ predictions: p, strengths: s }, { permutations: 100 }).epgm,
    1e-12,
  );
});

void test('a single column uses the plain per-output EPGM (not halved)', () => {
  const y = [0.1, 0.3, 0.2, 0.6, 0.9];
  const result = measure({ predictions: y }, { permutations: 100 });
  assert.deepEqual(result.statistic, { kind: 'output', output: 0 });
  assert.equal(result.outputs, 1);
  // Hand, t = k/4 (h = 1/4): g = [0.8, 0.2, 0.6, 1.4, 1.2], mean = 4.2 / 5 = 0.84.
  assertAllClose(result.gradient.data, [0.8, 0.2, 0.6, 1.4, 1.2], 1e-12, 'g');
  assertClose(result.epgm, 0.84, 1e-12, 'EPGM');
  assertClose(result.test.statistic, 0.84, 1e-12, 'the test statistic is that EPGM');
});

void test('output option explains one column of a matrix: its EPGM and its total variation', () => {
  const result = measure({ predictions: Y3, strengths: S3 }, { output: 1, permutations: 100 });
  assert.deepEqual(result.statistic, { kind: 'output', output: 1 });
  assertClose(result.epgm, 0.9295238095238098, 1e-12, 'EPGM of output 1 (numpy)');
  assertClose(result.test.statistic, result.epgm, 1e-12, 'test statistic');
  // Hand: |.3-.2| + |.5-.3| + |.5-.5| + |.3-.5| = 0.5.
  assertClose(result.totalVariation, 0.5, 1e-12, 'total variation of output 1');
});

void test('total variation per output, open and periodic (hand sums of |y_{k+1} - y_k|)', () => {
  const y = toMatrix(Y3);
  // Open: col 0: .1+.3+.1+.1 = .6; col 1: .1+.2+0+.2 = .5; col 2: 0+.1+.1+.3 = .5.
  assertAllClose(totalVariationPerOutput(y, false), [0.6, 0.5, 0.5], 1e-12, 'open');
  // Periodic adds the seam |y_0 - y_4| = (.6, .1, .5).
  assertAllClose(totalVariationPerOutput(y, true), [1.2, 0.6, 1.0], 1e-12, 'periodic');
  // measure reports the whole vector's total variation halved, like its EPGM: (.6+.5+.5)/2 = .8.
  const result = measure({ predictions: Y3, strengths: S3 }, { permutations: 100 });
  assertClose(result.totalVariation, 0.8, 1e-12, 'aggregate');
  assertAllClose(result.totalVariationPerOutput, [0.6, 0.5, 0.5], 1e-12, 'per output');
});

void test('(-1)^k: central differences are 0 inside, EPGM is small, total variation is large, a warning says so', () => {
  const n = 20;
  const y = Array.from({ length: n }, (_, k) => (k % 2 === 0 ? 1 : -1));
  const result = measure({ predictions: y }, { permutations: 100 });
  const g = Array.from(result.gradient.data);
  // Interior: (y_{k+1} - y_{k-1}) / (2h) = 0 exactly.
  assert.ok(
    g.slice(1, -1).every((v) => v === 0),
    'interior gradient is 0',
  );
  // Hand, h = 1/19: edges (y_1 - y_0)/h = -38 and (y_19 - y_18)/h = -38; EPGM = 76 / 20 = 3.8.
  assertClose(result.epgm, 3.8, 1e-12, 'EPGM');
  // Total variation: 19 steps of 2 = 38, ten times what the gradient accounts for.
  assertClose(result.totalVariation, 38, 1e-12, 'total variation');
  assert.ok(
    result.warnings.some((w) => /oscillat/i.test(w) && /total variation/.test(w)),
    'warning',
  );
  // Second-order edges: (-3 y_0 + 4 y_1 - y_2) / (2h) = -4/h = -76 -> EPGM 7.6; still warned.
  const second = measure({ predictions: y }, { permutations: 100, edgeOrder: 2 });
  assertClose(second.epgm, 7.6, 1e-12, 'EPGM, edge order 2');
  assert.ok(second.warnings.some((w) => /oscillat/i.test(w)));
  // Legacy (h = 1): EPGM = (2 + 2) / 20 = 0.2, against a total variation of 38.
  const legacy = measure({ predictions: y }, { permutations: 100, legacy: true });
  assertClose(legacy.epgm, 0.2, 1e-12, 'legacy EPGM');
  assert.ok(legacy.warnings.some((w) => /oscillat/i.test(w)));
});

void test('a smooth curve gets no oscillation warning', () => {
  const y = Array.from({ length: 50 }, (_, k) => 1 / (1 + Math.exp(-(k - 25) / 4)));
  const result = measure({ predictions: y }, { permutations: 100 });
  assert.ok(!result.warnings.some((w) => /oscillat/i.test(w)), result.warnings.join(' | '));
});

void test('rows that are not probability vectors get a warning for the whole-vector EPGM', () => {
  const logits = [
    [2, -1],
    [1.5, -0.5],
    [0.5, 0.2],
    [-0.3, 1.1],
  ];
  const result = measure({ predictions: logits }, { permutations: 100 });
  assert.ok(result.warnings.some((w) => /not probability vectors/.test(w)));
  // Explaining one output is fine.
  const one = measure({ predictions: logits }, { permutations: 100, output: 0 });
  assert.ok(!one.warnings.some((w) => /not probability vectors/.test(w)));
});

void test('EPGM of a periodic path averages |g| over all N points, seam included', () => {
  const s = [0, 30, 75, 120, 200, 250, 310];
  const y = [1, 0.952628, 0.308819, -0.586603, -0.875414, -0.277741, 0.544307];
  const result = measure({ predictions: y, strengths: s }, { period: 360, permutations: 100 });
  assert.equal(result.periodic, true);
  assert.equal(result.period, 360);
  // numpy on the padded loop (see gradient.test.ts): 3.607820921658342.
  assertClose(result.epgm, 3.607820921658342, 1e-12, 'EPGM');
  assertClose(result.epgm, meanAbs(gradientOf(y, s, { period: 360 })), 0, 'mean |g|');
});

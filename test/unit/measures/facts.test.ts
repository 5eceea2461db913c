// The "Facts to test against" of shared/METHOD.md, and the relations it states between units.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { measure } from '../../../src/extension/measures';
import { assertAllClose, assertClose, gradientOf, methodSine } from './helpers';

const T = [0, 0.1, 0.15, 0.4, 0.7, 1];
const T_SQUARED = T.map((t) => t * t);

void test('fact: the sine has legacy EPGM 0.0608826', () => {
  const result = measure({ predictions: methodSine() }, { legacy: true, permutations: 100 });
  // METHOD.md: 0.0608826; numpy.mean(abs(numpy.gradient(y))) = 0.060882600784022294.
  assertClose(result.epgm, 0.0608826, 1e-7, 'legacy EPGM');
  assertClose(result.epgm, 0.060882600784022294, 1e-15, 'legacy EPGM vs numpy');
  assert.equal(result.axis, 'index');
});

void test('fact: the shuffled null mean of the sine is about 0.390 (K = 10000, seeded)', () => {
  const { test: perm } = measure(
    { predictions: methodSine() },
    { legacy: true, permutations: 10_000, seed: 1 },
  );
  // METHOD.md: "null mean of the shuffled statistic about 0.390".
  assertClose(perm.nullMean, 0.39, 0.005, 'null mean');
  // Hand derivation: with first-order edges on the index axis, S = (1/N)(|y1-y0| + |y99-y98|
  // + sum_k |y_{k+1}-y_{k-1}|/2), and each term of a random order is the distance of a random pair
  // of distinct rows, of mean D = sum_{i != j} |y_i - y_j| / (N(N-1)). So E[S] = D (N + 2) / (2N)
  // = 0.3896714517245329 (D computed with numpy). The sampled mean lies within 5 standard errors.
  const standardError = perm.nullSd / Math.sqrt(perm.permutations);
  assertClose(perm.nullMean, 0.3896714517245329, 5 * standardError, 'null mean vs exact');
  // The smooth sine lies far in the lower tail: no shuffle is as extreme, so b = 0.
  assert.equal(perm.exceedances, 0);
  assert.equal(perm.pValue, 1 / 10_001); // (b + 1) / (K + 1)
  assert.equal(perm.pValueLegacy, 0); // b / K: the reference prints p = 0.0
  assert.equal(perm.direction, 'smoother');
  assert.equal(perm.significant, true);
});

void test('fact: the sine has normalised EPGM 6.0274', () => {
  const result = measure({ predictions: methodSine() }, { permutations: 100 });
  // METHOD.md: 6.0274; numpy.mean(abs(numpy.gradient(y, linspace(0, 1, 100)))) = 6.027377477618208.
  assertClose(result.epgm, 6.0274, 5e-5, 'normalised EPGM');
  assertClose(result.epgm, 6.027377477618208, 1e-12, 'normalised EPGM vs numpy');
  assert.equal(result.axis, 'strength');
});

void test('fact: normalised EPGM = legacy EPGM * (N - 1) on a uniform grid (sine, N = 100)', () => {
  const legacy = measure({ predictions: methodSine() }, { legacy: true, permutations: 100 }).epgm;
  const normalised = measure({ predictions: methodSine() }, { permutations: 100 }).epgm;
  // METHOD.md: "On a uniform grid, EPGM_normalised = EPGM_legacy * (N - 1)".
  assertClose(normalised, legacy * 99, 1e-12, 'normalised vs 99 * legacy');
});

void test('fact: the reference notebook relation, 101 images: normalised = 100 * legacy', () => {
  // A black-to-white fur sweep stand-in: cat probability along 101 images (a logistic curve).
  const cat = Array.from({ length: 101 }, (_, k) => 1 / (1 + Math.exp(-(k - 60) / 6)));
  const strengths = Array.from({ length: 101 }, (_, k) => 1.01 + (k * (12.5 - 1.01)) / 100);
  const legacy = measure({ predictions: cat, strengths }, { legacy: true, permutations: 10 });
  const normalised = measure({ predictions: cat, strengths }, { permutations: 10 });
  // METHOD.md: "In normalised units multiply by 100" (the guidance 1.01..12.5 is evenly spaced).
  assertClose(normalised.epgm, 100 * legacy.epgm, 1e-12, 'normalised vs 100 * legacy');
  // Legacy mode ignores the strengths' values: the same as giving none.
  assert.equal(measure({ predictions: cat }, { legacy: true, permutations: 10 }).epgm, legacy.epgm);
});

void test('fact: y = t^2 on t = [0, .1, .15, .4, .7, 1], first-order edges', () => {
  // METHOD.md: g = [.1, .2, .3, .8, 1.4, 1.7] (= numpy.gradient(t**2, t)).
  assertAllClose(gradientOf(T_SQUARED, T), [0.1, 0.2, 0.3, 0.8, 1.4, 1.7], 1e-12, 'g');
});

void test('fact: y = t^2 on t = [0, .1, .15, .4, .7, 1], second-order edges', () => {
  // METHOD.md: g = [0, .2, .3, .8, 1.4, 2.0] (= numpy.gradient(t**2, t, edge_order=2)).
  assertAllClose(
    gradientOf(T_SQUARED, T, { edgeOrder: 2 }),
    [0, 0.2, 0.3, 0.8, 1.4, 2],
    1e-12,
    'g',
  );
});

void test('fact: y = t^2 EPGM is the mean |g| over the N steps', () => {
  const first = measure({ predictions: T_SQUARED, strengths: T }, { permutations: 100 });
  const second = measure(
    { predictions: T_SQUARED, strengths: T },
    { permutations: 100, edgeOrder: 2 },
  );
  // Hand: (.1 + .2 + .3 + .8 + 1.4 + 1.7) / 6 = 4.5 / 6 = 0.75; (0 + .2 + .3 + .8 + 1.4 + 2) / 6 = 4.7 / 6.
  assertClose(first.epgm, 0.75, 1e-12, 'EPGM, first-order edges');
  assertClose(second.epgm, 4.7 / 6, 1e-12, 'EPGM, second-order edges');
});

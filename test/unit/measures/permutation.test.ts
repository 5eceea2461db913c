// The shuffle (permutation) test of shared/METHOD.md: p-values, seeding, exact enumeration,
// chunking, and the fast paths (distance table, central run) against plain arithmetic.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  aggregateEpgm,
  analyse,
  complete,
  epgmPerOutput,
  measure,
  permutationTest,
  propertyGradient,
  Rng,
  toMatrix,
  type Analysis,
  type EdgeOrder,
  type MeasureOptions,
} from '../../../src/extension/measures';
import {
  CHUNK_SIZE,
  enumerateNull,
  sampleNull,
  sampleNullChunk,
} from '../../../src/extension/measures/nullDistribution';
import {
  isExact,
  summarizeNull,
  type PermutationOptions,
} from '../../../src/extension/measures/permutation';
import { observedStatistic } from '../../../src/extension/measures/preparedStatistic';
import { allOrders, assertAllClose, assertClose, methodSine } from './helpers';

const OPTIONS: PermutationOptions = { permutations: 1000, seed: 0, alpha: 0.01 };

/** Softmax rows with `cols` classes along `rows` steps, from seeded random logits. */
function softmaxRows(rows: number, cols: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: rows }, () => {
    const e = Array.from({ length: cols }, () => Math.exp(4 * rng.nextFloat() - 2));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  });
}

/** Strictly increasing random strengths starting at 0. */
function randomStrengths(n: number, seed: number): number[] {
  const rng = new Rng(seed);
  let s = 0;
  return Array.from({ length: n }, (_, k) => (k === 0 ? 0 : (s += 0.05 + rng.nextFloat())));
}

/** The statistic of every order of the rows, by plain arithmetic (permute, differentiate, mean). */
function naiveNull(analysis: Analysis): number[] {
  const { y, statistic } = analysis;
  const stencil = analysis.prepared.stencil;
  return allOrders(y.rows).map((order) => {
    const rows = order.map((k) => Array.from(y.data.subarray(k * y.cols, (k + 1) * y.cols)));
    const g = propertyGradient(toMatrix(rows), stencil);
    return statistic.kind === 'output'
      ? (epgmPerOutput(g)[statistic.output] ?? 0)
      : aggregateEpgm(g);
  });
}

function sorted(values: ArrayLike<number>): number[] {
  return Array.from(values).sort((a, b) => a - b);
}

// p-values --------------------------------------------------------------------------------------

void test('summarizeNull by hand: two-sided around the null mean, (b+1)/(K+1) and b/K', () => {
  const nullStats = Float64Array.from([1, 2, 3, 4, 5]); // mean 3
  // S_obs = 1: |1 - 3| = 2; deviations [2, 1, 0, 1, 2] -> b = 2.
  const low = summarizeNull(1, nullStats, false, OPTIONS);
  assert.equal(low.exceedances, 2);
  assert.equal(low.pValue, 3 / 6); // (b + 1) / (K + 1)
  assert.equal(low.pValueLegacy, 2 / 5); // b / K
  assert.equal(low.nullMean, 3);
  assertClose(low.nullSd, Math.sqrt(2), 1e-15, 'population sd of 1..5');
  assert.equal(low.minAchievableP, 1 / 6);
  assert.equal(low.direction, 'smoother');
  assert.equal(low.significant, false);
  // The same deviation above the mean: same b, direction 'rougher'.
  const high = summarizeNull(5, nullStats, false, OPTIONS);
  assert.equal(high.exceedances, 2);
  assert.equal(high.direction, 'rougher');
  // At the mean every order is at least as far: b = K, p = 1.
  const middle = summarizeNull(3, nullStats, false, OPTIONS);
  assert.equal(middle.exceedances, 5);
  assert.equal(middle.pValue, 1);
  assert.equal(middle.direction, 'neither');
  // Exact: p = b / N!, and the smallest p is (#orders at the largest deviation) / N! = 2/5.
  const exact = summarizeNull(1, nullStats, true, OPTIONS);
  assert.equal(exact.pValue, 2 / 5);
  assert.equal(exact.minAchievableP, 2 / 5);
  assert.equal(exact.exact, true);
});

void test('p = (b + 1)/(K + 1) and legacy p = b/K, b recounted from the sampled null', () => {
  // A noisy path: the observed statistic lies inside the null distribution, b is well above 0.
  const rng = new Rng(77);
  const y = Array.from({ length: 30 }, (_, k) => Math.sin(k / 3) + 2 * rng.nextFloat());
  const analysis = analyse({ predictions: y }, { permutations: 2000, seed: 9 });
  const result = permutationTest(analysis.prepared, analysis.testOptions);
  const nullStats = sampleNull(analysis.prepared, 2000, 9);
  const mean = nullStats.reduce((a, b) => a + b, 0) / nullStats.length;
  const b = nullStats.filter((s) => Math.abs(s - mean) >= Math.abs(result.statistic - mean)).length;
  // Any b away from 0 and K exercises the counting; its exact value depends on the shuffles drawn.
  assert.ok(b > 5 && b < 1995, `b = ${b}`);
  assert.equal(result.exceedances, b);
  assert.equal(result.pValue, (b + 1) / 2001);
  assert.equal(result.pValueLegacy, b / 2000);
  assertClose(result.nullMean, mean, 1e-12, 'null mean');
  assert.equal(result.permutations, 2000);
  assert.equal(result.exact, false);
  assert.equal(result.seed, 9);
  assert.equal(result.minAchievableP, 1 / 2001);
  assert.equal(result.significant, result.pValue <= 0.01);
});

void test('p lies in (0, 1] even with K = 1 and for a smooth path (never 0)', () => {
  const y = methodSine();
  for (const permutations of [1, 2, 5, 100]) {
    const { test: t } = measure({ predictions: y }, { permutations, seed: 4 });
    assert.ok(t.pValue > 0 && t.pValue <= 1, `K = ${permutations}: p = ${t.pValue}`);
    assert.ok(t.pValue >= 1 / (permutations + 1));
  }
  assert.equal(measure({ predictions: y }, { permutations: 1, seed: 4 }).test.pValue, 1 / 2);
});

// Seeds and chunks ------------------------------------------------------------------------------

void test('seeded runs are reproducible; another seed gives another null sample', () => {
  const y = softmaxRows(40, 3, 5);
  const a = measure({ predictions: y }, { permutations: 3000, seed: 123 });
  const b = measure({ predictions: y }, { permutations: 3000, seed: 123 });
  assert.deepEqual(a.test, b.test);
  const c = measure({ predictions: y }, { permutations: 3000, seed: 124 });
  assert.equal(c.test.seed, 124);
  assert.equal(c.test.statistic, a.test.statistic);
  assert.notEqual(c.test.nullMean, a.test.nullMean);
  // ... though both estimate the same null mean: the difference of two independent means of 3000
  // has standard error sqrt(2) sd / sqrt(3000); allow 6 of them.
  const standardError = (Math.SQRT2 * a.test.nullSd) / Math.sqrt(3000);
  assertClose(c.test.nullMean, a.test.nullMean, 6 * standardError, 'null means');
});

void test('results do not depend on how the chunks are computed (sampleNullChunk per chunk)', () => {
  const { prepared } = analyse({ predictions: softmaxRows(25, 4, 1) }, {});
  const k = 2 * CHUNK_SIZE + 300;
  const whole = sampleNull(prepared, k, 42);
  // Chunks computed one by one, last chunk first, into a fresh array.
  const pieces = new Float64Array(k);
  const chunks = Math.ceil(k / CHUNK_SIZE);
  for (let chunk = chunks - 1; chunk >= 0; chunk--) {
    const count = Math.min(CHUNK_SIZE, k - chunk * CHUNK_SIZE);
    sampleNullChunk(prepared, 42, chunk, count, pieces, chunk * CHUNK_SIZE);
  }
  assert.deepEqual(pieces, whole);
  // Each chunk is seeded by (seed, chunk) alone: a smaller K is a prefix of a larger one.
  assert.deepEqual(sampleNull(prepared, 1500, 42), whole.subarray(0, 1500));
  // Different chunks draw different orders.
  assert.notDeepEqual(whole.subarray(0, 100), whole.subarray(CHUNK_SIZE, CHUNK_SIZE + 100));
});

void test('analyse + permutationTest + complete is measure', () => {
  const input = { predictions: softmaxRows(12, 3, 8), strengths: randomStrengths(12, 8) };
  const options: MeasureOptions = { permutations: 500, seed: 5, edgeOrder: 2 };
  const analysis = analyse(input, options);
  const split = complete(analysis, permutationTest(analysis.prepared, analysis.testOptions));
  assert.deepEqual(split, measure(input, options));
});

// Exact enumeration -----------------------------------------------------------------------------

void test('isExact: all orders are enumerated exactly when N! <= K', () => {
  assert.equal(isExact(5, 120), true);
  assert.equal(isExact(5, 119), false);
  assert.equal(isExact(5, 10_000), true);
  assert.equal(isExact(3, 6), true);
  assert.equal(isExact(3, 5), false);
  assert.equal(isExact(7, 10_000), true); // 5040
  assert.equal(isExact(8, 10_000), false); // 40320
  assert.equal(isExact(100, 10_000), false);
});

void test('K = N! is exact, K = N! - 1 samples K orders', () => {
  const y = [0.13, 0.72, 0.41, 0.96, 0.05];
  const exact = measure({ predictions: y }, { permutations: 120 }).test;
  assert.equal(exact.exact, true);
  assert.equal(exact.permutations, 120);
  const sampled = measure({ predictions: y }, { permutations: 119 }).test;
  assert.equal(sampled.exact, false);
  assert.equal(sampled.permutations, 119);
  assert.equal(sampled.pValue, (sampled.exceedances + 1) / 120);
});

void test('exact: N = 5, K = 10000 enumerates the 120 orders, identity included, p = b/120', () => {
  const y = [0.13, 0.72, 0.41, 0.96, 0.05];
  const result = measure({ predictions: y }, { permutations: 10_000, seed: 1 });
  assert.equal(result.test.exact, true);
  assert.equal(result.test.permutations, 120);
  assert.equal(result.test.pValue, result.test.exceedances / 120);
  assert.equal(result.test.pValueLegacy, result.test.pValue);
  assert.ok(result.test.exceedances >= 1, 'the identity counts itself');
  // The seed plays no part in an exact test.
  const other = measure({ predictions: y }, { permutations: 10_000, seed: 2 });
  assert.deepEqual({ ...other.test, seed: 1 }, result.test);
});

void test('enumerateNull gives the statistic of every order exactly once (vs naive enumeration)', () => {
  const cases: { predictions: unknown; strengths?: number[]; options: MeasureOptions }[] = [
    { predictions: [0.13, 0.72, 0.41, 0.96, 0.05], options: {} },
    {
      predictions: [0.13, 0.72, 0.41, 0.96, 0.05],
      strengths: [0, 0.1, 0.35, 0.6, 1],
      options: { edgeOrder: 2 },
    },
    { predictions: softmaxRows(6, 3, 2), strengths: randomStrengths(6, 2), options: {} },
    { predictions: softmaxRows(6, 3, 3), options: { period: 1, edgeOrder: 2 } },
  ];
  for (const { predictions, strengths, options } of cases) {
    const analysis = analyse({ predictions, strengths }, { ...options, permutations: 10_000 });
    const exact = enumerateNull(analysis.prepared);
    const n = analysis.y.rows;
    assert.equal(exact.length, n === 5 ? 120 : 720);
    // Heap's algorithm starts from the identity.
    assertClose(
      exact[0] ?? Number.NaN,
      observedStatistic(analysis.prepared),
      0,
      'first = identity',
    );
    const naive = naiveNull(analysis);
    assertAllClose(sorted(exact), sorted(naive), 1e-12, 'sorted null statistics');
  }
});

void test('exact, monotone path, N = 5: the reversed path ties, so the smallest p is 2/120 and alpha = 0.01 is out of reach', () => {
  const y = [0, 1, 2, 3, 4].map((k) => 1 / (1 + Math.exp(-8 * (k / 4 - 0.5))));
  const result = measure({ predictions: y }, { edgeOrder: 2 });
  // numpy enumeration of all 120 orders (edge_order=2): only the identity and its reverse are as
  // far from the null mean as the observed order.
  assert.equal(result.test.exact, true);
  assert.equal(result.test.exceedances, 2);
  assert.equal(result.test.pValue, 2 / 120);
  assert.equal(result.test.minAchievableP, 2 / 120);
  assert.equal(result.test.direction, 'smoother');
  assert.equal(result.test.significant, false);
  assert.ok(
    result.warnings.some((w) => /cannot reach alpha = 0.01/.test(w) && /120 orders/.test(w)),
  );
});

void test('exact, linear ramp, N = 5, first-order edges: p = 24/120 (numpy enumeration)', () => {
  const result = measure({ predictions: [0, 1, 2, 3, 4] });
  // numpy on the index axis: the identity has S = 1.0, the null mean is 1.4 and the roughest
  // orders have S = 1.8, as far above the mean as the ramp is below it: 24 of the 120 orders lie
  // at deviation >= 0.4. In normalised units (t = k/4) every statistic is 4 times larger.
  assertClose(result.test.statistic, 4, 1e-12, 'S_obs'); // EPGM of y = 4 t
  assertClose(result.test.nullMean, 4 * 1.4, 1e-12, 'null mean');
  assert.equal(result.test.exceedances, 24);
  assert.equal(result.test.pValue, 24 / 120);
  assert.ok(result.warnings.some((w) => /cannot reach alpha/.test(w)));
});

void test('exact on a non-uniform grid: the reverse does not tie, and p = 1/120 is possible', () => {
  const result = measure(
    { predictions: [0, 0.02, 0.1, 0.6, 1], strengths: [0, 0.1, 0.35, 0.6, 1] },
    { edgeOrder: 2 },
  );
  // numpy enumeration: b = 1 (the identity alone), null mean 3.1302820512820513.
  assertClose(result.test.nullMean, 3.1302820512820513, 1e-12, 'null mean');
  assert.equal(result.test.exceedances, 1);
  assert.equal(result.test.pValue, 1 / 120);
  assert.equal(result.test.significant, true);
  assert.ok(!result.warnings.some((w) => /cannot reach alpha/.test(w)));
});

void test('K < 1/alpha - 1 warns that alpha cannot be reached', () => {
  const y = methodSine(); // p = 1/(K+1) for this smooth path
  const warned = (permutations: number, alpha: number): boolean =>
    measure({ predictions: y }, { permutations, alpha }).warnings.some((w) =>
      /smallest possible p-value is 1\//.test(w),
    );
  assert.equal(warned(50, 0.01), true);
  assert.equal(warned(98, 0.01), true); // 1/99 > 0.01
  assert.equal(warned(99, 0.01), false); // 1/100 = 0.01
  assert.equal(warned(18, 0.05), true); // 1/19 > 0.05
  assert.equal(warned(19, 0.05), false);
  const text = measure({ predictions: y }, { permutations: 50 }).warnings.join(' ');
  assert.match(text, /1\/51 = 0\.0196, above alpha = 0\.01\. Use at least 99 permutations/);
});

void test('sampled orders are uniform: the sampled null matches the exact one (chi-square)', () => {
  const { prepared } = analyse(
    { predictions: [0.13, 0.72, 0.41, 0.96, 0.05], strengths: [0, 0.1, 0.35, 0.6, 1] },
    {},
  );
  const exact = sorted(enumerateNull(prepared));
  // Group equal statistics (ties from symmetric pairs of orders).
  const values: number[] = [];
  const counts: number[] = [];
  for (const v of exact) {
    const last = values[values.length - 1];
    if (last !== undefined && Math.abs(v - last) <= 1e-9 * Math.abs(v)) {
      counts[counts.length - 1] = (counts[counts.length - 1] ?? 0) + 1;
    } else {
      values.push(v);
      counts.push(1);
    }
  }
  assert.ok(values.length >= 30, `${values.length} distinct values`);
  const k = 24_000;
  const observed = new Array<number>(values.length).fill(0);
  for (const s of sampleNull(prepared, k, 2025)) {
    const index = values.findIndex((v) => Math.abs(s - v) <= 1e-9 * Math.abs(v));
    assert.ok(index >= 0, `sampled statistic ${s} is not the statistic of any order`);
    observed[index] = (observed[index] ?? 0) + 1;
  }
  let chi2 = 0;
  counts.forEach((c, i) => {
    const expected = (k * c) / 120;
    chi2 += ((observed[i] ?? 0) - expected) ** 2 / expected;
  });
  // chi-square with df = groups - 1: mean df, sd sqrt(2 df); 6 sd above is p < 1e-6.
  const df = values.length - 1;
  assert.ok(chi2 < df + 6 * Math.sqrt(2 * df), `chi2 = ${chi2} with ${df} df`);
});

// Fast paths against plain arithmetic ------------------------------------------------------------

void test('many outputs (40): the observed statistic is the aggregate EPGM, every grid and edge order', () => {
  const y = softmaxRows(30, 40, 6);
  const grids: { name: string; strengths?: number[]; period?: number }[] = [
    { name: 'uniform' },
    { name: 'non-uniform', strengths: randomStrengths(30, 6) },
    { name: 'periodic uniform', period: 360 },
    { name: 'periodic non-uniform', strengths: randomStrengths(30, 7), period: 40 },
  ];
  for (const { name, strengths, period } of grids) {
    for (const edgeOrder of [1, 2] as EdgeOrder[]) {
      const analysis = analyse({ predictions: y, strengths }, { period, edgeOrder });
      const expected = aggregateEpgm(analysis.gradient);
      assert.equal(analysis.partial.epgm, expected);
      const what = `${name}, edge order ${edgeOrder}`;
      assertClose(observedStatistic(analysis.prepared), expected, 1e-12 * expected, what);
      const t = permutationTest(analysis.prepared, { permutations: 20, seed: 1, alpha: 0.01 });
      assertClose(t.statistic, expected, 1e-12 * expected, what);
    }
  }
});

void test('one output: the observed statistic is the EPGM, every grid and edge order', () => {
  const y = Array.from({ length: 30 }, (_, k) => Math.cos(k / 4) + 0.1 * k);
  for (const strengths of [undefined, randomStrengths(30, 3)]) {
    for (const period of [undefined, 50]) {
      for (const edgeOrder of [1, 2] as EdgeOrder[]) {
        const analysis = analyse({ predictions: y, strengths }, { period, edgeOrder });
        const what = `strengths ${strengths ? 'random' : 'none'}, period ${String(period)}`;
        assertClose(observedStatistic(analysis.prepared), analysis.partial.epgm, 1e-12, what);
      }
    }
  }
});

void test('the row-distance table gives the same null as plain arithmetic (same seed, same orders)', () => {
  const cases: { strengths?: number[]; options: MeasureOptions }[] = [
    { options: {} }, // uniform: one long central run
    { options: { period: 1 } },
    { options: { edgeOrder: 2 } },
    // Stretches of two different spacings: a central run, other two-term rows and three-term rows.
    { strengths: [0, 1, 2, 3, 5, 7, 9, 11, 12, 13, 15, 16], options: {} },
  ];
  for (const { strengths, options } of cases) {
    const analysis = analyse({ predictions: softmaxRows(12, 5, 4), strengths }, options);
    assert.ok(analysis.prepared.distances !== null, 'the table is used');
    const withTable = sampleNull(analysis.prepared, 1500, 3);
    const without = sampleNull({ ...analysis.prepared, distances: null }, 1500, 3);
    assertAllClose(withTable, without, 1e-12, 'null statistics');
  }
});

void test('mixed stretches: sampled null statistics are statistics of real orders (naive enumeration)', () => {
  const strengths = [0, 1, 2, 3, 5, 7, 9];
  for (const predictions of [[0.3, 0.9, 0.1, 0.5, 0.7, 0.2, 0.8], softmaxRows(7, 3, 9)]) {
    const analysis = analyse({ predictions, strengths }, {});
    const naive = sorted(naiveNull(analysis));
    assertAllClose(sorted(enumerateNull(analysis.prepared)), naive, 1e-12, 'exact null');
    for (const s of sampleNull(analysis.prepared, 300, 8)) {
      // Binary search for the nearest naive statistic.
      let lo = 0;
      let hi = naive.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((naive[mid] ?? 0) < s) lo = mid + 1;
        else hi = mid;
      }
      const near = Math.min(
        Math.abs((naive[lo] ?? Infinity) - s),
        Math.abs((naive[lo - 1] ?? Infinity) - s),
      );
      assert.ok(near <= 1e-12 * Math.abs(s), `sampled ${s} is no order's statistic`);
    }
  }
});

void test('two softmax classes: the aggregate test equals the one-column test of either class', () => {
  const p = Array.from({ length: 40 }, (_, k) => 1 / (1 + Math.exp(-(k - 20) / 5 + Math.sin(k))));
  const strengths = randomStrengths(40, 12);
  const two = measure({ predictions: p.map((q) => [q, 1 - q]), strengths }, { permutations: 3000 });
  const one = measure({ predictions: p, strengths }, { permutations: 3000 });
  assertClose(two.test.statistic, one.test.statistic, 1e-12, 'statistic');
  assertClose(two.test.nullMean, one.test.nullMean, 1e-12, 'null mean');
  assert.equal(two.test.exceedances, one.test.exceedances);
  assert.equal(two.test.pValue, one.test.pValue);
});

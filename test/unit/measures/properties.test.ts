// Property-based tests (fast-check, fixed seeds so every run checks the same cases): invariances
// of the EPGM that follow from its definition, and bounds of the test and the adjustments.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import fc from 'fast-check';

import {
  analyse,
  makeGrid,
  makeStencil,
  measure,
  propertyGradient,
  toMatrix,
  type EdgeOrder,
} from '../../../src/extension/measures';
import { observedStatistic } from '../../../src/extension/measures/preparedStatistic';
import { benjaminiHochberg, holm } from '../../../src/shared/adjust';
import { assertAllClose, assertClose, meanAbs } from './helpers';

const PARAMS = { seed: 20_240_601, numRuns: 100 } as const;

const gapArb = fc.double({ min: 0.05, max: 2, noNaN: true, noDefaultInfinity: true });
const valueArb = fc.double({ min: -5, max: 5, noNaN: true, noDefaultInfinity: true });
const edgeOrderArb = fc.constantFrom<EdgeOrder>(1, 2);

/** A path of 3..16 steps: strictly increasing strengths from `start`, and one value per step. */
const pathArb = fc
  .record({
    start: fc.double({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true }),
    steps: fc.array(fc.tuple(gapArb, valueArb), { minLength: 3, maxLength: 16 }),
  })
  .map(({ start, steps }) => {
    let s = start;
    const strengths = steps.map(([gap], k) => (k === 0 ? s : (s += gap)));
    return { strengths, y: steps.map(([, v]) => v), seam: steps[0]?.[0] ?? 1 };
  });

function gradient(
  y: readonly number[],
  strengths: readonly number[] | undefined,
  edgeOrder: EdgeOrder,
  options: { period?: number; legacy?: boolean } = {},
): Float64Array {
  const grid = makeGrid(y.length, strengths, options);
  return propertyGradient(toMatrix(y), makeStencil(grid, edgeOrder)).data;
}

void test('property: affine strengths a s + b (a > 0) leave the normalised gradient and EPGM unchanged', () => {
  fc.assert(
    fc.property(
      pathArb,
      fc.double({ min: 0.01, max: 1000, noNaN: true }),
      fc.double({ min: -1000, max: 1000, noNaN: true }),
      edgeOrderArb,
      ({ strengths, y }, a, b, edgeOrder) => {
        const g = gradient(y, strengths, edgeOrder);
        const moved = gradient(
          y,
          strengths.map((s) => a * s + b),
          edgeOrder,
        );
        assertAllClose(moved, g, 1e-8, 'g');
        assertClose(meanAbs(moved), meanAbs(g), 1e-8 * Math.max(1, meanAbs(g)), 'EPGM');
      },
    ),
    PARAMS,
  );
});

void test('property: a periodic path is unchanged when strengths and period are scaled together', () => {
  fc.assert(
    fc.property(
      pathArb,
      fc.double({ min: 0.001, max: 1000, noNaN: true }),
      ({ strengths, y, seam }, c) => {
        const first = strengths[0] ?? 0;
        const period = (strengths[strengths.length - 1] ?? 0) - first + seam;
        const g = gradient(y, strengths, 1, { period });
        const scaled = gradient(
          y,
          strengths.map((s) => c * s),
          1,
          { period: c * period },
        );
        assertAllClose(scaled, g, 1e-8, 'g');
      },
    ),
    PARAMS,
  );
});

void test('property: reversing the path (mirrored strengths) negates and reverses the gradient; EPGM unchanged', () => {
  fc.assert(
    fc.property(pathArb, edgeOrderArb, fc.boolean(), ({ strengths, y, seam }, edgeOrder, loop) => {
      const last = strengths[strengths.length - 1] ?? 0;
      const period = loop ? last - (strengths[0] ?? 0) + seam : undefined;
      const g = gradient(y, strengths, edgeOrder, period === undefined ? {} : { period });
      const mirrored = strengths.map((s) => -s).reverse();
      const reversed = gradient(
        [...y].reverse(),
        mirrored,
        edgeOrder,
        period === undefined ? {} : { period },
      );
      // Step k of the reversed path is step N-1-k of the original, seen from the other side (the
      // seam, -s_1 + period + s_N, is the same length on a loop).
      const expected = Array.from(g, (v) => -v).reverse();
      assertAllClose(reversed, expected, 1e-8, 'g reversed');
      assertClose(meanAbs(reversed), meanAbs(g), 1e-8 * Math.max(1, meanAbs(g)), 'EPGM');
    }),
    PARAMS,
  );
});

void test('property: on a uniform grid normalised EPGM = legacy EPGM * (N - 1) (N on a loop)', () => {
  fc.assert(
    fc.property(
      fc.array(valueArb, { minLength: 3, maxLength: 40 }),
      edgeOrderArb,
      fc.boolean(),
      (y, edgeOrder, loop) => {
        const period = loop ? 360 : undefined;
        const options = { period, edgeOrder, permutations: 1 };
        const normalised = measure({ predictions: y }, options).epgm;
        const legacy = measure({ predictions: y }, { ...options, legacy: true }).epgm;
        const steps = loop ? y.length : y.length - 1;
        assertClose(normalised, legacy * steps, 1e-9 * Math.max(1, normalised), 'EPGM');
      },
    ),
    PARAMS,
  );
});

void test('property: three-point differences are exact for quadratics (and first-order edges for lines)', () => {
  const coefArb = fc.double({ min: -10, max: 10, noNaN: true });
  fc.assert(
    fc.property(pathArb, coefArb, coefArb, coefArb, (path, c0, c1, c2) => {
      const grid = makeGrid(path.strengths.length, path.strengths);
      const t = Array.from(grid.t);
      const y = t.map((x) => c0 + c1 * x + c2 * x * x);
      const slope = t.map((x) => c1 + 2 * c2 * x);
      const tolerance = 1e-7 * (1 + Math.abs(c0) + Math.abs(c1) + Math.abs(c2));
      assertAllClose(gradient(y, path.strengths, 2), slope, tolerance, 'edge order 2');
      const first = gradient(y, path.strengths, 1);
      assertAllClose(first.subarray(1, -1), slope.slice(1, -1), tolerance, 'interior');
      const line = t.map((x) => c0 + c1 * x);
      assertAllClose(
        gradient(line, path.strengths, 1),
        t.map(() => c1),
        tolerance,
        'line',
      );
    }),
    PARAMS,
  );
});

void test('property: the gradient is linear in the predictions', () => {
  fc.assert(
    fc.property(pathArb, valueArb, valueArb, edgeOrderArb, ({ strengths, y }, a, b, edgeOrder) => {
      const z = y.map((v, k) => Math.sin(v + k));
      const combined = gradient(
        y.map((v, k) => a * v + b * (z[k] ?? 0)),
        strengths,
        edgeOrder,
      );
      const gy = gradient(y, strengths, edgeOrder);
      const gz = gradient(z, strengths, edgeOrder);
      const expected = Array.from(gy, (v, k) => a * v + b * (gz[k] ?? 0));
      const scale = Math.max(1, ...expected.map(Math.abs), ...Array.from(gy, Math.abs));
      assertAllClose(combined, expected, 1e-9 * scale, 'g');
    }),
    PARAMS,
  );
});

void test('property: two softmax classes: aggregate EPGM = EPGM of each class = the one-output test statistic', () => {
  fc.assert(
    fc.property(pathArb, edgeOrderArb, ({ strengths, y }, edgeOrder) => {
      const p = y.map((v) => 1 / (1 + Math.exp(-v)));
      const options = { edgeOrder, permutations: 1 };
      const two = measure({ predictions: p.map((q) => [q, 1 - q]), strengths }, options);
      const [a, b] = two.epgmPerOutput;
      const tolerance = 1e-12 * Math.max(1, two.epgm);
      assertClose(two.epgm, a ?? Number.NaN, tolerance, 'class 0');
      assertClose(two.epgm, b ?? Number.NaN, tolerance, 'class 1');
      assertClose(two.test.statistic, two.epgm, tolerance, 'test statistic');
    }),
    PARAMS,
  );
});

void test('property: the test statistic is the reported EPGM (any grid, outputs, edge order)', () => {
  fc.assert(
    fc.property(
      pathArb,
      fc.integer({ min: 1, max: 6 }),
      edgeOrderArb,
      fc.boolean(),
      ({ strengths, y, seam }, cols, edgeOrder, loop) => {
        const rows = y.map((v, k) =>
          Array.from({ length: cols }, (_, c) => Math.cos(v * (c + 1) + k)),
        );
        const last = strengths[strengths.length - 1] ?? 0;
        const period = loop ? last - (strengths[0] ?? 0) + seam : undefined;
        const analysis = analyse({ predictions: rows, strengths }, { edgeOrder, period });
        const expected = analysis.partial.epgm;
        assertClose(observedStatistic(analysis.prepared), expected, 1e-12 * Math.max(1, expected));
      },
    ),
    PARAMS,
  );
});

void test('property: p-values lie in (0, 1]; sampled p >= 1/(K+1); exact p is a multiple of 1/N!', () => {
  fc.assert(
    fc.property(
      fc.array(valueArb, { minLength: 3, maxLength: 12 }),
      fc.integer({ min: 1, max: 200 }),
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      (y, permutations, seed) => {
        const t = measure({ predictions: y }, { permutations, seed }).test;
        assert.ok(t.pValue > 0 && t.pValue <= 1, `p = ${t.pValue}`);
        assert.ok(t.pValueLegacy >= 0 && t.pValueLegacy <= 1);
        assert.ok(t.minAchievableP <= t.pValue);
        if (t.exact) {
          const orders = t.permutations;
          assert.ok(Math.abs(t.pValue * orders - Math.round(t.pValue * orders)) < 1e-9);
          assert.ok(t.pValue >= 1 / orders);
        } else {
          assert.equal(t.permutations, permutations);
          assert.ok(t.pValue >= 1 / (permutations + 1));
        }
      },
    ),
    PARAMS,
  );
});

void test('property: exact tests (N <= 6, K = 1000) give p = b / N!', () => {
  const factorial = [1, 1, 2, 6, 24, 120, 720];
  fc.assert(
    fc.property(
      fc.array(valueArb, { minLength: 3, maxLength: 6 }),
      edgeOrderArb,
      (y, edgeOrder) => {
        const t = measure({ predictions: y }, { permutations: 1000, edgeOrder }).test;
        const orders = factorial[y.length] ?? 0;
        assert.equal(t.exact, true);
        assert.equal(t.permutations, orders);
        assert.equal(t.pValue, t.exceedances / orders);
        assert.ok(t.exceedances >= 1 && t.exceedances <= orders);
      },
    ),
    { ...PARAMS, numRuns: 50 },
  );
});

void test('property: Holm and BH are >= p, <= 1, monotone, equivariant, and BH <= Holm', () => {
  const pArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), {
    minLength: 1,
    maxLength: 30,
  });
  fc.assert(
    fc.property(pArb, (p) => {
      const h = holm(p);
      const b = benjaminiHochberg(p);
      p.forEach((pi, i) => {
        const hi = h[i] ?? Number.NaN;
        const bi = b[i] ?? Number.NaN;
        assert.ok(pi <= bi && bi <= hi && hi <= 1, `p ${pi}, BH ${bi}, Holm ${hi}`);
        p.forEach((pj, j) => {
          if (pi < pj) assert.ok(hi <= (h[j] ?? Number.NaN) && bi <= (b[j] ?? Number.NaN));
        });
      });
      // Reordering the family reorders the adjusted values.
      assert.deepEqual(holm([...p].reverse()), [...h].reverse());
      assert.deepEqual(benjaminiHochberg([...p].reverse()), [...b].reverse());
    }),
    PARAMS,
  );
});

void test('property: flips are the changes of the per-step class', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
        {
          minLength: 3,
          maxLength: 20,
        },
      ),
      (rows) => {
        const report = measure({ predictions: rows }, { permutations: 1 }).flips;
        assert.ok(report !== null);
        const argmax = rows.map((r) => r.indexOf(Math.max(...r)));
        assert.deepEqual(report.predicted, argmax);
        const changes = argmax.flatMap((c, k) => (k > 0 && argmax[k - 1] !== c ? [k] : []));
        assert.deepEqual(
          report.flips.map((f) => f.index),
          changes,
        );
        assert.equal(report.count, changes.length);
        for (const f of report.flips) {
          assert.equal(f.from, argmax[f.index - 1]);
          assert.equal(f.to, argmax[f.index]);
          assertClose(f.t, f.index / (rows.length - 1), 1e-12, 't');
        }
        const firstLost = argmax.findIndex((c) => c !== argmax[0]);
        assert.equal(report.firstLostIndex, firstLost >= 0 ? firstLost : null);
        assert.equal(report.sourceClassLost, firstLost >= 0);
      },
    ),
    PARAMS,
  );
});

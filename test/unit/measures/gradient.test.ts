// The grid (normalised strength, uniform snapping, periodic seam) and the property gradient,
// checked against numpy.gradient and hand derivations.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { makeGrid } from '../../../src/extension/measures';
import { assertAllClose, assertClose, gradientOf, meanAbs, throwsInput } from './helpers';

// Random non-uniform grids on [0, 1] (numpy.random.default_rng(20240601), rounded to 4 digits);
// expected values printed by numpy.gradient(y, s) and numpy.gradient(y, s, edge_order=2).
const NUMPY_CASES = [
  {
    s: [0, 0.4149, 0.4641, 0.5809, 0.7918, 1],
    y: [1.3336, 0.9083, 0.3466, 1.6, 1.2328, -0.2203],
    first: [
      -1.0250662810315736, -10.31503611511905, -4.852369752984531, 6.2857521370797445,
      -4.377101504601919, -6.979346781940439,
    ],
    second: [
      8.264903553055905, -10.31503611511905, -4.852369752984531, 6.2857521370797445,
      -4.377101504601919, -9.581592059278963,
    ],
  },
  {
    s: [0, 0.1894, 0.5978, 0.7481, 0.7922, 0.9536, 1],
    y: [-0.1914, 1.6712, -0.9203, -0.7585, -0.0843, -1.4178, -0.1296],
    first: [
      9.834213305174234, 4.708022807138504, -0.9201354394604997, 12.064083976164566,
      10.234172581106526, 19.71884732516833, 27.76293103448276,
    ],
    second: [
      14.960403803209964, 4.708022807138504, -0.9201354394604997, 12.064083976164566,
      10.234172581106526, 19.71884732516833, 35.80701474379719,
    ],
  },
  {
    s: [0, 0.0945, 0.1534, 0.1697, 0.249, 0.5011, 0.6264, 0.6736, 1],
    y: [-1.427, -0.6453, 0.6553, 0.4935, 0.1794, -0.3486, 0.1086, 1.8748, -0.2215],
    first: [
      8.271957671957672, 16.779136214689146, -2.988503331649813, -8.909254839809323,
      -3.5142769053520952, 1.7420351600477462, 28.179058940439266, 31.88056909081818,
      -6.422487745098039,
    ],
    second: [
      -0.2352208707738006, 16.779136214689146, -2.988503331649813, -8.909254839809323,
      -3.5142769053520952, 1.7420351600477462, 28.179058940439266, 31.88056909081818,
      -44.725544581014255,
    ],
  },
] as const;

void test('gradient matches numpy.gradient on random non-uniform grids (edge_order 1 and 2)', () => {
  NUMPY_CASES.forEach(({ s, y, first, second }, i) => {
    assertAllClose(gradientOf(y, s), first, 1e-12, `case ${i}, edge order 1`);
    assertAllClose(gradientOf(y, s, { edgeOrder: 2 }), second, 1e-12, `case ${i}, edge order 2`);
  });
});

void test('gradient is taken w.r.t. the normalised strength t = (s - s_1) / (s_N - s_1)', () => {
  const s = [2, 2.5, 3.25, 4, 5.5, 7];
  const y = [0.1, 0.4, -0.2, 0.3, 0.9, 0.5];
  // numpy.gradient(y, (s - 2) / 5) and the same with edge_order=2.
  assertAllClose(
    gradientOf(y, s),
    [
      3.0000000000000004, 0.19999999999999962, -0.33333333333333415, 2.8888888888888884,
      0.33333333333333404, -1.3333333333333333,
    ],
    1e-12,
    'edge order 1',
  );
  assertAllClose(
    gradientOf(y, s, { edgeOrder: 2 }),
    [
      5.800000000000001, 0.19999999999999962, -0.33333333333333415, 2.8888888888888884,
      0.33333333333333404, -3.0000000000000004,
    ],
    1e-12,
    'edge order 2',
  );
  const grid = makeGrid(6, s);
  assertAllClose(grid.t, [0, 0.1, 0.25, 0.4, 0.7, 1], 1e-15, 't');
  assert.deepEqual(Array.from(grid.strengths), s);
});

void test('gradient of a multi-output matrix works column by column (numpy.gradient, axis=0)', () => {
  const y = [
    [0.7, 0.2, 0.1],
    [0.6, 0.3, 0.1],
    [0.3, 0.5, 0.2],
    [0.2, 0.5, 0.3],
    [0.1, 0.3, 0.6],
  ];
  const s = [0, 0.2, 0.3, 0.7, 1];
  // numpy.gradient(Y, s, axis=0), row-major.
  const first = [
    [-0.4999999999999999, 0.4999999999999999, 0],
    [-2.1666666666666674, 1.5000000000000004, 0.666666666666667],
    [-2.45, 1.6000000000000005, 0.8500000000000002],
    [-0.2976190476190475, -0.3809523809523808, 0.6785714285714285],
    [-0.3333333333333333, -0.6666666666666666, 0.9999999999999998],
  ].flat();
  // numpy.gradient(Y, s, axis=0, edge_order=2): only the two end rows differ.
  const second = [
    [1.1666666666666665, -0.5000000000000013, -0.6666666666666672],
    [-2.1666666666666674, 1.5000000000000004, 0.666666666666667],
    [-2.45, 1.6000000000000005, 0.8500000000000002],
    [-0.2976190476190475, -0.3809523809523808, 0.6785714285714285],
    [-0.3690476190476189, -0.9523809523809519, 1.321428571428572],
  ].flat();
  assertAllClose(gradientOf(y, s), first, 1e-12, 'edge order 1');
  assertAllClose(gradientOf(y, s, { edgeOrder: 2 }), second, 1e-12, 'edge order 2');
});

void test('without strengths the grid is the index, normalised to [0, 1]', () => {
  const grid = makeGrid(5, undefined);
  assert.deepEqual(Array.from(grid.strengths), [0, 1, 2, 3, 4]);
  assert.deepEqual(Array.from(grid.t), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(Array.from(grid.spacing), [0.25, 0.25, 0.25, 0.25]);
  assert.equal(grid.uniform, true);
  assert.equal(grid.periodic, false);
  assert.equal(grid.legacy, false);
});

void test('evenly spaced strengths (within 1e-9 relative) are snapped to an exactly uniform grid', () => {
  const grid = makeGrid(5, [1.01, 1.01 + 2.5, 1.01 + 5 + 1e-12, 1.01 + 7.5, 11.01]);
  assert.equal(grid.uniform, true);
  // Stored exactly equal: h = 1 / (N - 1), t_k = k h.
  assert.deepEqual(Array.from(grid.spacing), [0.25, 0.25, 0.25, 0.25]);
  assert.deepEqual(Array.from(grid.t), [0, 0.25, 0.5, 0.75, 1]);
  // 1e-6 off is a real non-uniformity.
  assert.equal(makeGrid(5, [0, 1, 2 + 1e-6, 3, 4]).uniform, false);
});

void test('legacy mode differentiates by the sample index whatever the strengths', () => {
  const grid = makeGrid(4, [0, 0.1, 5, 6], { legacy: true });
  assert.deepEqual(Array.from(grid.t), [0, 1, 2, 3]);
  assert.deepEqual(Array.from(grid.spacing), [1, 1, 1]);
  assert.equal(grid.legacy, true);
  // y = k^2 on the index: numpy.gradient([0, 1, 4, 9]) = [1, 2, 4, 5].
  assert.deepEqual(
    Array.from(gradientOf([0, 1, 4, 9], [0, 0.1, 5, 6], { legacy: true })),
    [1, 2, 4, 5],
  );
});

void test('linear predictions have the exact slope everywhere, on any grid and both edge orders', () => {
  const s = [0, 0.07, 0.3, 0.31, 0.8, 1];
  const y = s.map((t) => -3 * t + 0.25);
  for (const edgeOrder of [1, 2] as const) {
    assertAllClose(
      gradientOf(y, s, { edgeOrder }),
      s.map(() => -3),
      1e-12,
      `edge order ${edgeOrder}`,
    );
  }
});

// Periodic axes ---------------------------------------------------------------------------------

void test('periodic: sin(theta) at N evenly spaced angles has g = 2 pi cos(theta) sin(h)/h, no edge effects', () => {
  const n = 24;
  const period = 2 * Math.PI;
  const theta = Array.from({ length: n }, (_, k) => (k * period) / n);
  const y = theta.map((th) => Math.sin(th));
  const g = gradientOf(y, theta, { period });
  // Hand derivation: t = theta / (2 pi), central difference over 2h = 2 * 2pi/N in theta:
  // (sin(th + h) - sin(th - h)) / (2 / N) = 2 cos(th) sin(h) N / 2 = 2 pi cos(th) sin(h) / h.
  const h = period / n;
  const exact = theta.map((th) => period * Math.cos(th) * (Math.sin(h) / h));
  assertAllClose(g, exact, 1e-12, 'g');
  // ... which is dy/dt = 2 pi cos(theta) up to the O(h^2) error 2 pi h^2 / 6 < 0.072.
  assertAllClose(
    g,
    theta.map((th) => period * Math.cos(th)),
    0.072,
    'g vs 2 pi cos',
  );
  // At the seam (k = 0) the difference wraps: the same accuracy as everywhere else.
  assertClose(g[0] ?? Number.NaN, period * (Math.sin(h) / h), 1e-12, 'g at the seam');
  // EPGM = mean |g|; numpy.gradient on the padded loop gives 3.931851652578137 (about 4 = 2 pi * 2/pi).
  assertClose(meanAbs(g), 3.931851652578137, 1e-12, 'EPGM');
  // The open path over the same 24 points (t = k / 23) takes a one-sided difference at k = 0:
  // g_0 = 23 sin(2 pi / 24) = 5.9528 (hand), where the loop gives 6.2117: an edge effect.
  const open = gradientOf(y, theta);
  assertClose(open[0] ?? Number.NaN, 23 * Math.sin(h), 1e-12, 'open path g_0');
});

void test('periodic: no strengths means N evenly spaced points around one period', () => {
  const grid = makeGrid(8, undefined, { period: 360 });
  assert.equal(grid.periodic, true);
  assert.equal(grid.uniform, true);
  assert.deepEqual(Array.from(grid.strengths), [0, 45, 90, 135, 180, 225, 270, 315]);
  // One period = 1: t_k = k / N, and N spacings (the last one across the seam).
  assert.deepEqual(Array.from(grid.t), [0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875]);
  assert.equal(grid.spacing.length, 8);
  assert.ok(grid.spacing.every((h) => h === 0.125));
});

void test('periodic: non-uniform angles match numpy.gradient on the loop padded across the seam', () => {
  const s = [0, 30, 75, 120, 200, 250, 310];
  // y = cos(s deg) + 0.1 sin(2 s deg), rounded to 6 digits.
  const y = [1, 0.952628, 0.308819, -0.586603, -0.875414, -0.277741, 0.544307];
  // numpy.gradient(y_padded, s_padded / 360)[1:-1] with s_padded = [310 - 360, *s, 0 + 360] and
  // y_padded = [y[-1], *y, y[0]] (the periodic central difference, seam included).
  const expected = [
    0.8750810999999992, -2.4012672, -6.156924000000001, -5.0524344600000015, 2.1482859461538473,
    4.589173963636363, 4.0315797818181816,
  ];
  const g = gradientOf(y, s, { period: 360 });
  assertAllClose(g, expected, 1e-12, 'g');
  assertClose(meanAbs(g), 3.607820921658342, 1e-12, 'EPGM'); // numpy: mean(abs(g))
  // Shifting every angle leaves the gradient unchanged; so does measuring in radians.
  assertAllClose(
    gradientOf(
      y,
      s.map((d) => d + 37),
      { period: 360 },
    ),
    expected,
    1e-12,
    'shifted',
  );
  assertAllClose(
    gradientOf(
      y,
      s.map((d) => (d * Math.PI) / 180),
      { period: 2 * Math.PI },
    ),
    expected,
    1e-9,
    'radians',
  );
});

void test('periodic: edge order does not matter (there are no edges)', () => {
  const s = [0, 30, 75, 120, 200, 250, 310];
  const y = [1, 0.952628, 0.308819, -0.586603, -0.875414, -0.277741, 0.544307];
  assert.deepEqual(
    Array.from(gradientOf(y, s, { period: 360, edgeOrder: 2 })),
    Array.from(gradientOf(y, s, { period: 360, edgeOrder: 1 })),
  );
});

void test('periodic: a path whose last strength equals first + period is refused', () => {
  throwsInput(
    () => makeGrid(4, [0, 90, 180, 360], { period: 360 }),
    /not less than the period 360.*must not repeat its first point/,
  );
  throwsInput(() => makeGrid(4, [10, 100, 190, 370], { period: 360 }), /not less than the period/);
  // Spanning more than one period is refused as well.
  throwsInput(() => makeGrid(3, [0, 200, 400], { period: 360 }), /span 400.*period 360/);
  // Just inside one period is fine.
  assert.equal(makeGrid(4, [0, 90, 180, 359.9], { period: 360 }).periodic, true);
});

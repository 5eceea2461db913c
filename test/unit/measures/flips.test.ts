// Prediction flips: the predicted class per step, where it changes, and whether the source class
// is lost.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { makeGrid, measure, predictionFlips, toMatrix } from '../../../src/extension/measures';
import { assertClose, flipsOf, throwsInput } from './helpers';

// Three classes along strengths 0..8 (t = s / 8). Argmax per step, by hand: 0, 0, 1, 2, and the
// last row ties classes 0 and 1 (0.4 each): ties go to the lower index, class 0.
const ROWS = [
  [0.8, 0.1, 0.1],
  [0.6, 0.3, 0.1],
  [0.3, 0.6, 0.1],
  [0.2, 0.3, 0.5],
  [0.4, 0.4, 0.2],
];
const STRENGTHS = [0, 1, 2, 4, 8];

void test('argmax per step, the flips with their step, strength, t and classes', () => {
  const report = flipsOf(
    measure({ predictions: ROWS, strengths: STRENGTHS }, { permutations: 100 }),
  );
  assert.deepEqual(report.predicted, [0, 0, 1, 2, 0]);
  assert.equal(report.count, 3);
  assert.deepEqual(report.flips, [
    { index: 2, strength: 2, t: 0.25, from: 0, to: 1 },
    { index: 3, strength: 4, t: 0.5, from: 1, to: 2 },
    { index: 4, strength: 8, t: 1, from: 2, to: 0 },
  ]);
  // The source class defaults to the first step's class.
  assert.equal(report.sourceClass, 0);
  assert.equal(report.sourceClassLost, true);
  assert.equal(report.firstLostIndex, 2);
});

void test('an explicit source class (the unedited image predicted class 1)', () => {
  const report = flipsOf(
    measure({ predictions: ROWS, strengths: STRENGTHS }, { permutations: 100, sourceClass: 1 }),
  );
  assert.equal(report.sourceClass, 1);
  assert.equal(report.sourceClassLost, true);
  assert.equal(report.firstLostIndex, 0); // step 0 already predicts class 0
  assert.equal(report.count, 3); // flips do not depend on the source class
});

void test('no flip: the source class is kept', () => {
  const rows = [
    [0.9, 0.1],
    [0.8, 0.2],
    [0.6, 0.4],
    [0.51, 0.49],
  ];
  const report = flipsOf(measure({ predictions: rows }, { permutations: 100 }));
  assert.deepEqual(report.predicted, [0, 0, 0, 0]);
  assert.equal(report.count, 0);
  assert.deepEqual(report.flips, []);
  assert.equal(report.sourceClassLost, false);
  assert.equal(report.firstLostIndex, null);
});

void test('a single output in [0, 1] is thresholded at 0.5 by default (class 1 strictly above)', () => {
  const y = [0.2, 0.4, 0.5, 0.6, 0.9];
  const report = flipsOf(
    measure({ predictions: y, strengths: [1, 2, 3, 4, 5] }, { permutations: 100 }),
  );
  // 0.5 is not above 0.5: classes 0, 0, 0, 1, 1.
  assert.deepEqual(report.predicted, [0, 0, 0, 1, 1]);
  assert.deepEqual(report.flips, [{ index: 3, strength: 4, t: 0.75, from: 0, to: 1 }]);
  assert.equal(report.sourceClass, 0);
  assert.equal(report.firstLostIndex, 3);
  // An explicit threshold moves the flip.
  const low = flipsOf(measure({ predictions: y }, { permutations: 100, threshold: 0.3 }));
  assert.deepEqual(low.predicted, [0, 1, 1, 1, 1]);
  assert.equal(low.flips[0]?.index, 1);
});

void test('a single score outside [0, 1] needs a threshold: flips null and a warning', () => {
  const logits = [-2, -1, 0.5, 2];
  const result = measure({ predictions: logits }, { permutations: 100 });
  assert.equal(result.flips, null);
  assert.ok(
    result.warnings.some((w) => /no natural class boundary/.test(w) && /threshold/.test(w)),
  );
  // With a threshold of 0 the sign is the class.
  const signed = measure({ predictions: logits }, { permutations: 100, threshold: 0 });
  assert.deepEqual(flipsOf(signed).predicted, [0, 0, 1, 1]);
  assert.equal(flipsOf(signed).count, 1);
  assert.ok(!signed.warnings.some((w) => /no natural class boundary/.test(w)));
});

void test('a periodic path counts the flip across the seam (reported at step 0)', () => {
  const y = [0.9, 0.6, 0.7, 0.8, 0.3, 0.2];
  const strengths = [0, 60, 120, 180, 240, 300];
  const report = flipsOf(
    measure({ predictions: y, strengths }, { period: 360, permutations: 100 }),
  );
  // Classes 1, 1, 1, 1, 0, 0: 1 -> 0 at step 4, and 0 -> 1 from step 5 back to step 0.
  assert.deepEqual(report.predicted, [1, 1, 1, 1, 0, 0]);
  assert.equal(report.count, 2);
  const [seam, drop] = report.flips;
  assert.deepEqual(seam, { index: 0, strength: 0, t: 0, from: 0, to: 1 });
  assert.deepEqual([drop?.index, drop?.strength, drop?.from, drop?.to], [4, 240, 1, 0]);
  assertClose(drop?.t ?? Number.NaN, 240 / 360, 1e-12, 't of the flip at 240 degrees');
  // The same values on an open path have no seam.
  const open = flipsOf(measure({ predictions: y, strengths }, { permutations: 100 }));
  assert.equal(open.count, 1);
});

void test('predictionFlips directly: options, and a single output without a threshold is refused', () => {
  const y = toMatrix([0.1, 0.7, 0.2]);
  const grid = makeGrid(3, [0, 0.5, 2]);
  const report = predictionFlips(y, grid, { threshold: 0.5 });
  assert.deepEqual(
    report.flips.map((f) => [f.index, f.strength, f.t]),
    [
      [1, 0.5, 0.25],
      [2, 2, 1],
    ],
  );
  throwsInput(() => predictionFlips(y, grid), /single output.*finite threshold/);
  throwsInput(() => predictionFlips(y, grid, { threshold: Number.NaN }), /finite threshold/);
  throwsInput(
    () => predictionFlips(y, grid, { threshold: 0.5, sourceClass: 2 }),
    /source class 2 is not one of the 2 classes/,
  );
  throwsInput(
    () => predictionFlips(toMatrix(ROWS), makeGrid(5, STRENGTHS), { sourceClass: 0.5 }),
    /source class 0.5/,
  );
});

// The edit-quality report on images of two or three pixels, every number computed by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  assessEdit,
  judgeEdit,
  LEAKAGE_ABSOLUTE_LIMIT,
  LEAKAGE_RATIO_LIMIT,
  stepChange,
} from '../../../src/extension/editors/quality';
import { grayFrom, rgbFrom } from '../images/builders';

const near = (actual: number | null, expected: number, what: string): void => {
  assert.ok(
    actual !== null && Math.abs(actual - expected) < 1e-9,
    `${what}: ${actual} != ${expected}`,
  );
};

const source = rgbFrom([
  [
    [0, 0, 0],
    [100, 100, 100],
  ],
]);
const mask = grayFrom([[255, 0]]);

void test('stepChange: mean absolute change in 0..1 units inside and outside a hard mask', () => {
  // Inside: 51 on each channel -> 51 / 255 = 0.2. Outside: 10 on one channel of three -> 10 / 765.
  const step = stepChange(
    source,
    rgbFrom([
      [
        [51, 51, 51],
        [110, 100, 100],
      ],
    ]),
    mask,
  );
  near(step.changeInside, 0.2, 'inside');
  near(step.changeOutside, 10 / 765, 'outside');
  // Global: (51 * 3 + 10) / (6 * 255).
  const global = stepChange(
    source,
    rgbFrom([
      [
        [51, 51, 51],
        [110, 100, 100],
      ],
    ]),
    undefined,
  );
  near(global.changeInside, 163 / 1530, 'global');
  assert.equal(global.changeOutside, null);
});

void test('stepChange: a soft mask weighs each pixel by m inside and 1 - m outside', () => {
  const soft = grayFrom([[255, 51]]);
  // Pixel 1 changes 30 per channel (90 in all), pixel 2 changes 10 per channel (30 in all).
  // Inside: (255 * 90 + 51 * 30) / ((255 + 51) * 765) = 24480 / 234090.
  // Outside: (0 * 90 + 204 * 30) / (204 * 765) = 30 / 765.
  const step = stepChange(
    source,
    rgbFrom([
      [
        [30, 30, 30],
        [110, 110, 110],
      ],
    ]),
    soft,
  );
  near(step.changeInside, 24480 / 234090, 'inside');
  near(step.changeOutside, 30 / 765, 'outside');
  // A full mask has no outside; an empty one no inside weight.
  assert.equal(stepChange(source, source, grayFrom([[255, 255]])).changeOutside, null);
  near(
    stepChange(
      source,
      rgbFrom([
        [
          [9, 9, 9],
          [100, 100, 100],
        ],
      ]),
      grayFrom([[0, 0]]),
    ).changeInside,
    0,
    'empty',
  );
});

void test('a clean masked edit: ratio below 10% and outside below 0.02', () => {
  const { steps, quality } = assessEdit(
    source,
    [
      source,
      rgbFrom([
        [
          [51, 51, 51],
          [110, 100, 100],
        ],
      ]),
    ],
    mask,
  );
  assert.equal(steps.length, 2);
  near(steps[0]?.changeInside ?? null, 0, 'identity step');
  // Leakage = (10 / 765) / 0.2 = 0.065359 (the t = 0 step, with no inside change, is skipped).
  near(quality.leakage, 10 / 765 / 0.2, 'leakage');
  assert.deepEqual(
    { ...quality, leakage: null },
    { masked: true, leakage: null, clean: true, message: null },
  );
});

void test('a leaky edit is flagged by the ratio and by the absolute outside change', () => {
  // Outside: 30 on one channel -> 30 / 765 = 0.0392 > 0.02; ratio 0.0392 / 0.2 = 0.196 > 0.1.
  const { quality } = assessEdit(
    source,
    [
      rgbFrom([
        [
          [51, 51, 51],
          [130, 100, 100],
        ],
      ]),
    ],
    mask,
  );
  near(quality.leakage, 30 / 765 / 0.2, 'leakage');
  assert.equal(quality.clean, false);
  assert.match(
    quality.message ?? '',
    /leaks: outside the mask it changed up to 19\.6% as much as inside \(limit 10\.0%\) and the mean change outside the mask reached 0\.039 \(limit 0\.02\)/,
  );
  // Ratio alone: inside 0.2 * ... a small inside change makes a small outside change a big ratio.
  const ratioOnly = judgeEdit([{ changeInside: 0.01, changeOutside: 0.005 }], true);
  assert.equal(ratioOnly.clean, false);
  near(ratioOnly.leakage, 0.5, 'ratio');
  assert.doesNotMatch(ratioOnly.message ?? '', /mean change outside/);
  // Absolute alone: a big inside change hides a 0.03 outside change from the ratio.
  const absoluteOnly = judgeEdit([{ changeInside: 0.9, changeOutside: 0.03 }], true);
  assert.equal(absoluteOnly.clean, false);
  assert.doesNotMatch(absoluteOnly.message ?? '', /as much as inside/);
  assert.equal(LEAKAGE_RATIO_LIMIT, 0.1);
  assert.equal(LEAKAGE_ABSOLUTE_LIMIT, 0.02);
});

void test('steps below half a grey level inside are left out of the ratio', () => {
  const quality = judgeEdit(
    [
      { changeInside: 0.001, changeOutside: 0.001 },
      { changeInside: 0.2, changeOutside: 0.002 },
    ],
    true,
  );
  near(quality.leakage, 0.01, 'leakage');
  assert.equal(quality.clean, true);
  const tiny = judgeEdit([{ changeInside: 0.001, changeOutside: 0 }], true);
  assert.equal(tiny.leakage, null);
  assert.match(tiny.message ?? '', /less than half a grey level/);
});

void test('global edits: no leakage, always clean; an edit that changes nothing says so', () => {
  const { steps, quality } = assessEdit(
    source,
    [
      source,
      rgbFrom([
        [
          [0, 0, 0],
          [100, 100, 255],
        ],
      ]),
    ],
    undefined,
  );
  near(steps[1]?.changeInside ?? null, 155 / 1530, 'change');
  assert.deepEqual(quality, { masked: false, leakage: null, clean: true, message: null });
  assert.match(
    assessEdit(source, [source, source], undefined).quality.message ?? '',
    /did not change the image/,
  );
  assert.match(
    assessEdit(source, [source], mask).quality.message ?? '',
    /did not change the image/,
  );
});

void test('sizes that differ are a programming error', () => {
  assert.throws(() => stepChange(source, rgbFrom([[[0, 0, 0]]]), undefined), RangeError);
  assert.throws(() => stepChange(source, source, grayFrom([[1]])), RangeError);
});

// Bad input is refused with a MeasureInputError whose message names the problem.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  analyse,
  makeGrid,
  measure,
  MeasureInputError,
  permutationTest,
  toMatrix,
  type EdgeOrder,
} from '../../../src/extension/measures';
import { throwsInput } from './helpers';

const Y = [0.1, 0.4, 0.3, 0.8, 0.6];

void test('MeasureInputError is an Error named MeasureInputError', () => {
  const error = new MeasureInputError('x');
  assert.ok(error instanceof Error);
  assert.equal(error.name, 'MeasureInputError');
});

void test('fewer than 3 steps', () => {
  throwsInput(() => measure({ predictions: [0.1, 0.2] }), /2 steps.*at least 3/);
  throwsInput(() => measure({ predictions: [[0.1, 0.9]] }), /1 step;.*at least 3/);
  throwsInput(() => measure({ predictions: [] }), /0 steps/);
  throwsInput(() => makeGrid(2, undefined), /2 steps.*at least 3/);
});

void test('predictions that are not an array of numbers or rows', () => {
  throwsInput(() => measure({ predictions: 'abc' }), /predictions must be an array/);
  throwsInput(() => measure({ predictions: { 0: 1 } }), /predictions must be an array/);
  throwsInput(
    () => measure({ predictions: [0.1, '0.2', 0.3] }),
    /predictions\[1\] is "0.2", not a number/,
  );
  throwsInput(
    () => measure({ predictions: [0.1, null, 0.3] }),
    /predictions\[1\] is null, not a number/,
  );
  throwsInput(
    () => measure({ predictions: [[0.1], 0.2, [0.3]] }),
    /predictions\[1\] is not an array/,
  );
  throwsInput(() => measure({ predictions: [[], [], []] }), /predictions\[0\] is empty/);
});

void test('holes in a sparse predictions array are refused, not read as 0', () => {
  // new Array(n) has holes: forEach skips them, so validation must not rely on it alone.
  const holes = new Array<number>(4);
  holes[0] = 0.1;
  holes[2] = 0.3;
  holes[3] = 0.4;
  throwsInput(() => toMatrix(holes), /predictions\[1\].*not a number/);
  const row = new Array<number>(2);
  row[0] = 0.5;
  throwsInput(() => toMatrix([[0.5, 0.5], [0.4, 0.6], row]), /predictions\[2\]\[1\].*not a number/);
});

void test('ragged rows', () => {
  const ragged = [
    [0.5, 0.3, 0.2],
    [0.4, 0.4, 0.2],
    [0.4, 0.6],
  ];
  throwsInput(() => measure({ predictions: ragged }), /ragged: step 2 has 2 outputs, step 0 has 3/);
});

void test('NaN and infinities in predictions, with their position', () => {
  throwsInput(
    () => measure({ predictions: [0.1, Number.NaN, 0.3] }),
    /predictions\[1\] is NaN.*finite/,
  );
  throwsInput(
    () => measure({ predictions: [0.1, 0.2, Infinity] }),
    /predictions\[2\] is Infinity.*finite/,
  );
  throwsInput(
    () =>
      measure({
        predictions: [
          [0.1, 0.9],
          [0.2, -Infinity],
          [0.3, 0.7],
        ],
      }),
    /predictions\[1\]\[1\] is -Infinity/,
  );
});

void test('strengths: non-increasing, duplicate, non-finite, wrong length', () => {
  throwsInput(
    () => measure({ predictions: Y, strengths: [0, 1, 0.5, 2, 3] }),
    /strictly increasing: strengths\[2\] = 0.5 is below strengths\[1\] = 1/,
  );
  throwsInput(
    () => measure({ predictions: Y, strengths: [0, 1, 1, 2, 3] }),
    /strictly increasing: strengths\[2\] = 1 duplicates strengths\[1\] = 1/,
  );
  throwsInput(
    () => measure({ predictions: Y, strengths: [0, 1, Number.NaN, 2, 3] }),
    /strengths\[2\] is NaN.*finite/,
  );
  throwsInput(
    () => measure({ predictions: Y, strengths: [0, 1, 2, 3, Infinity] }),
    /strengths\[4\] is Infinity/,
  );
  throwsInput(
    () => measure({ predictions: Y, strengths: [0, 1, '2', 3, 4] }),
    /strengths\[2\] is 2;/,
  );
  throwsInput(
    () => measure({ predictions: Y, strengths: [0, 1, 2, 3] }),
    /strengths has 4 values but predictions has 5 steps/,
  );
  throwsInput(
    () => measure({ predictions: Y, strengths: [0, 1, 2, 3, 4, 5] }),
    /strengths has 6 values but predictions has 5 steps/,
  );
});

void test('permutations must be a whole number >= 1', () => {
  for (const permutations of [0, -5, 2.5, Number.NaN, Infinity]) {
    throwsInput(
      () => measure({ predictions: Y }, { permutations }),
      /permutations must be a whole number >= 1/,
    );
  }
  // permutationTest checks its options too.
  const { prepared } = analyse({ predictions: Y });
  throwsInput(
    () => permutationTest(prepared, { permutations: 0, seed: 0, alpha: 0.01 }),
    /permutations must be a whole number/,
  );
});

void test('seed must be a whole number in [0, 2^32 - 1]', () => {
  for (const seed of [-1, 2 ** 32, 1.5, Number.NaN]) {
    throwsInput(
      () => measure({ predictions: Y }, { seed }),
      /seed must be a whole number from 0 to 4294967295/,
    );
  }
  assert.equal(measure({ predictions: Y }, { seed: 2 ** 32 - 1 }).test.seed, 4294967295);
  assert.equal(measure({ predictions: Y }, { seed: 0 }).test.seed, 0);
});

void test('alpha must lie strictly between 0 and 1', () => {
  for (const alpha of [0, 1, -0.1, 1.5, Number.NaN]) {
    throwsInput(
      () => measure({ predictions: Y }, { alpha }),
      /alpha must lie strictly between 0 and 1/,
    );
  }
});

void test('output index out of range', () => {
  const rows = [
    [0.5, 0.3, 0.2],
    [0.4, 0.4, 0.2],
    [0.3, 0.5, 0.2],
  ];
  throwsInput(
    () => measure({ predictions: rows }, { output: 3 }),
    /output 3 does not exist.*3 outputs \(0 to 2\)/,
  );
  throwsInput(() => measure({ predictions: rows }, { output: -1 }), /output -1 does not exist/);
  throwsInput(() => measure({ predictions: rows }, { output: 1.5 }), /output 1.5 does not exist/);
  throwsInput(() => measure({ predictions: Y }, { output: 1 }), /1 output \(0 to 0\)/);
});

void test('period must be a positive finite number', () => {
  for (const period of [0, -360, Number.NaN, Infinity]) {
    throwsInput(
      () => measure({ predictions: Y }, { period }),
      /period must be a positive finite number/,
    );
  }
});

void test('edge order must be 1 or 2', () => {
  const edgeOrder = Number('3') as EdgeOrder; // what an untyped caller (JSON, CLI) could pass
  throwsInput(() => measure({ predictions: Y }, { edgeOrder }), /edge order must be 1 or 2, got 3/);
});

void test('source class out of range', () => {
  const rows = [
    [0.5, 0.3, 0.2],
    [0.4, 0.4, 0.2],
    [0.3, 0.5, 0.2],
  ];
  throwsInput(
    () => measure({ predictions: rows }, { sourceClass: 5 }),
    /source class 5 is not one of the 3 classes/,
  );
});

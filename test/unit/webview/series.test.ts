import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  buildSeries,
  collectOutputs,
  dashPattern,
  decisionThreshold,
  DEFAULT_SHOWN,
  flipMarkers,
  isProbabilityRows,
  predictionsAtStep,
  shownOutputKeys,
  toggleOutput,
  valueAxis,
} from '../../../src/webview/model/series';
import { measure, model, result } from './builders';

/** A model with `n` outputs "c0".."c{n-1}" whose per-output EPGM is given. */
function wide(name: string, epgm: readonly number[], sourceClass = 0) {
  const n = epgm.length;
  const row = Array.from({ length: n }, () => 1 / n);
  return model({
    name,
    labels: epgm.map((_, c) => `c${c}`),
    predictions: [row, row, row, row, row],
    measure: measure({
      epgm_per_output: epgm,
      source_class: sourceClass,
      flip_details: [],
      flip_strengths: [],
    }),
  });
}

void test('outputs are ranked by their largest EPGM over the models; ties keep first-seen order', () => {
  const outputs = collectOutputs([wide('a', [0.1, 0.5, 0.3]), wide('b', [0.6, 0.2, 0.3])]);
  // c0: max(0.1, 0.6) = 0.6; c1: 0.5; c2: 0.3.
  assert.deepEqual(
    outputs.map((o) => [o.key, o.rank, o.epgm]),
    [
      ['c0', 0, 0.6],
      ['c1', 1, 0.5],
      ['c2', 2, 0.3],
    ],
  );
  assert.deepEqual(outputs[0]?.indexByModel, [0, 0]);
  assert.deepEqual(outputs[0].sourceOf, ['a', 'b']);
  const tied = collectOutputs([wide('a', [0.2, 0.2, 0.2])]);
  assert.deepEqual(
    tied.map((o) => o.key),
    ['c0', 'c1', 'c2'],
  );
});

void test('few outputs are coloured by index (as in the HTML report), many by rank', () => {
  const few = collectOutputs([wide('a', [0.1, 0.9, 0.5])]);
  // Ranked c1, c2, c0; colours stay 1, 2, 0 so a class keeps the report's colour.
  assert.deepEqual(
    few.map((o) => [o.key, o.colour]),
    [
      ['c1', 1],
      ['c2', 2],
      ['c0', 0],
    ],
  );
  const epgm = [0, 0, 0, 0, 0, 0, 0, 0.9];
  const many = collectOutputs([wide('a', epgm)]);
  assert.equal(many[0]?.key, 'c7');
  assert.equal(many[0].colour, 0, 'the top output gets the first colour');
  assert.equal(many[6]?.colour, 0, 'colours repeat after six');
});

void test('models that share labels share an output; a model lacking one has null there', () => {
  const a = model({ name: 'a' });
  const b = model({
    name: 'b',
    labels: ['dog', 'cat', 'fox'],
    predictions: a.predictions.map(([cat = 0, dog = 0]) => [dog, cat, 0]),
    measure: measure({ epgm_per_output: [0.4, 0.4, 0.9], source_class: 1 }),
  });
  const outputs = collectOutputs([a, b]);
  const byKey = new Map(outputs.map((o) => [o.key, o]));
  assert.deepEqual(byKey.get('cat')?.indexByModel, [0, 1]);
  assert.deepEqual(byKey.get('dog')?.indexByModel, [1, 0]);
  assert.deepEqual(byKey.get('fox')?.indexByModel, [null, 2]);
  assert.equal(outputs[0]?.key, 'fox');
});

void test('shown outputs: the top three, the user pick (still existing), or all', () => {
  const outputs = collectOutputs([wide('a', [0.1, 0.2, 0.3, 0.4, 0.5])]);
  assert.equal(DEFAULT_SHOWN, 3);
  assert.deepEqual([...shownOutputKeys(outputs, null, false)], ['c4', 'c3', 'c2']);
  assert.deepEqual([...shownOutputKeys(outputs, ['c0', 'gone'], false)], ['c0']);
  // A pick of which nothing exists any more falls back to the top ones; an empty pick stays empty.
  assert.deepEqual([...shownOutputKeys(outputs, ['gone'], false)], ['c4', 'c3', 'c2']);
  assert.deepEqual([...shownOutputKeys(outputs, [], false)], []);
  assert.equal(shownOutputKeys(outputs, ['c0'], true).size, 5);
  assert.deepEqual(toggleOutput(new Set(['c4', 'c3']), 'c3'), ['c4']);
  assert.deepEqual(toggleOutput(new Set(['c4']), 'c0'), ['c4', 'c0']);
});

void test('series: one per shown (output, model), dash per model, thicker source class', () => {
  const r = result([
    model({ name: 'a' }),
    model({ name: 'b', measure: measure({ source_class: 1 }) }),
  ]);
  const outputs = collectOutputs(r.models);
  const series = buildSeries(r, outputs, new Set(['cat', 'dog']), new Set());
  assert.deepEqual(
    series.map((s) => [s.id, s.label, s.dash, s.emphasis]),
    [
      ['0:cat', 'cat · a', 0, true],
      ['1:cat', 'cat · b', 1, false],
      ['0:dog', 'dog · a', 0, false],
      ['1:dog', 'dog · b', 1, true],
    ],
  );
  assert.deepEqual(series[0]?.points, [
    { x: 0, y: 1 },
    { x: 0.25, y: 0.75 },
    { x: 0.5, y: 0.5 },
    { x: 0.75, y: 0.25 },
    { x: 1, y: 0 },
  ]);
  const hidden = buildSeries(r, outputs, new Set(['cat']), new Set(['b']));
  assert.deepEqual(
    hidden.map((s) => s.id),
    ['0:cat'],
  );
  // One model: plain labels and solid lines.
  const single = result();
  const one = buildSeries(single, collectOutputs(single.models), new Set(['dog']), new Set());
  assert.deepEqual(
    one.map((s) => [s.label, s.dash]),
    [['dog', 0]],
  );
});

void test('series skip non-finite values instead of drawing them at 0', () => {
  const m = model({
    predictions: [
      [1, 0],
      [Number.NaN, 0.5],
      [0.5, 0.5],
      [0.25, 0.75],
      [0, 1],
    ],
  });
  const r = result([m]);
  const [cat] = buildSeries(r, collectOutputs(r.models), new Set(['cat']), new Set());
  assert.deepEqual(
    cat?.points.map((p) => p.x),
    [0, 0.5, 0.75, 1],
  );
});

void test('dash patterns cycle; solid first', () => {
  assert.deepEqual(dashPattern(0), []);
  assert.deepEqual(dashPattern(1), [7, 4]);
  assert.deepEqual(dashPattern(5), []);
});

void test('probability rows, the 0.5 threshold for two-class probabilities, and the y axis', () => {
  assert.equal(
    isProbabilityRows([
      [0.2, 0.8],
      [1, 0],
    ]),
    true,
  );
  assert.equal(isProbabilityRows([[0.2, 0.7]]), false, 'sums to 0.9');
  assert.equal(isProbabilityRows([[2.5, -1.5]]), false, 'logits');
  assert.equal(isProbabilityRows([]), false);
  assert.equal(decisionThreshold([model()]), 0.5);
  assert.equal(decisionThreshold([wide('three', [0.1, 0.2, 0.3])]), null);
  assert.equal(
    decisionThreshold([
      model({
        predictions: [
          [3, -3],
          [1, -1],
          [0, 0],
          [-1, 1],
          [-3, 3],
        ],
      }),
    ]),
    null,
  );
  assert.deepEqual(valueAxis([model()]), { title: 'probability', min: 0, max: 1 });
  assert.deepEqual(valueAxis([model({ predictions: [[3, -3]] })]), {
    title: 'output',
    min: null,
    max: null,
  });
});

void test('flip markers come from flip_strengths, labelled from flip_details when they match', () => {
  const a = model({ name: 'a' });
  const b = model({
    name: 'b',
    measure: measure({ flip_strengths: [0.25, 0.5], flip_details: null }),
  });
  assert.deepEqual(flipMarkers([a, b], new Set()), [
    { strength: 0.75, model: 0, modelName: 'a', change: 'cat → dog' },
    { strength: 0.25, model: 1, modelName: 'b', change: '' },
    { strength: 0.5, model: 1, modelName: 'b', change: '' },
  ]);
  assert.deepEqual(
    flipMarkers([a, b], new Set(['a'])).map((f) => f.modelName),
    ['b', 'b'],
  );
  assert.deepEqual(
    flipMarkers([model({ measure: measure({ flip_strengths: null }) })], new Set()),
    [],
  );
});

void test('predictions at a step: the top output and the source class of each model', () => {
  const r = result();
  assert.deepEqual(predictionsAtStep(r, 3), [
    { model: 'fur', top: { label: 'dog', value: 0.75 }, source: { label: 'cat', value: 0.25 } },
  ]);
  assert.deepEqual(predictionsAtStep(r, 99), [{ model: 'fur', top: null, source: null }]);
});

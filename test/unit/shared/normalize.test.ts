import assert from 'node:assert/strict';
import { test } from 'node:test';

import { normaliseResult } from '../../../src/shared/normalize';
import { stableStringify, validateResultFile } from '../../../src/shared/resultFile';
import { sampleResult } from '../builders';
import { diffusionResult } from '../diffusionBuilders';

test('a complete result comes out as it went in', () => {
  const result = sampleResult();
  const again = normaliseResult(JSON.parse(stableStringify(result)));
  assert.equal(stableStringify(again), stableStringify(result));
});

test('displayed fields of the wrong type get their declared type; indices keep their meaning', () => {
  const base = sampleResult();
  const model = base.models[0];
  assert.ok(model !== undefined);
  const loose = normaliseResult({
    ...base,
    quality: null,
    image: undefined,
    editor: { ...base.editor, title: 2024, params: null },
    models: [{ ...model, labels: [0, { x: 1 }, 'dog'], notes: 'x', fallbackReason: 3 }],
  });
  assert.deepEqual(loose.quality, { masked: false, leakage: null, clean: true, message: null });
  assert.deepEqual(loose.image, { path: '', sha256: '', width: 0, height: 0 });
  assert.equal(loose.editor.title, '2024');
  assert.deepEqual(loose.editor.params, {});
  const normalised = loose.models[0];
  assert.ok(normalised !== undefined);
  assert.deepEqual(normalised.labels, ['0', '', 'dog']);
  assert.deepEqual(normalised.notes, []);
  assert.equal(normalised.fallbackReason, '3');
  assert.deepEqual(validateResultFile(loose), []);
});

test('predictions as wide as a result may hold do not overflow the stack', () => {
  const base = sampleResult();
  const model = base.models[0];
  assert.ok(model !== undefined);
  const wide = base.frames.map(() => new Array<number>(100_000).fill(0));
  const many = Array.from({ length: 200_000 }, () => [1]);
  assert.equal(
    normaliseResult({ ...base, models: [{ ...model, predictions: wide }] }).models[0]?.measure
      .n_outputs,
    model.measure.n_outputs,
  );
  const noWidth = { ...model, predictions: many, measure: { ...model.measure, n_outputs: 'x' } };
  assert.equal(normaliseResult({ ...base, models: [noWidth] }).models[0]?.measure.n_outputs, 1);
});

test("a diffusion editor's records come out as they went in", () => {
  const result = { ...diffusionResult(), reconstruction: { change: 0.041, file: 'x/source.png' } };
  const again = normaliseResult(JSON.parse(stableStringify(result)));
  assert.equal(stableStringify(again), stableStringify(result));
});

test('a result without them gets none of them', () => {
  const again = normaliseResult(JSON.parse(stableStringify(sampleResult())));
  assert.equal(again.reconstruction, undefined);
  assert.equal(again.editor.run, undefined);
  assert.equal(again.editor.content, undefined);
  assert.equal(again.models[0]?.seedSpread, undefined);
  assert.equal(again.models[0]?.sourcePrediction, undefined);
});

test('a track record survives normalisation; a loose one gets its declared types', () => {
  const base = sampleResult();
  const track = {
    order: 'step' as const,
    checkpoints: base.models.map((_, i) => ({
      file: `ck/step-${String(i)}.pt`,
      epoch: null,
      step: i * 100,
      mtime: '2024-01-01T00:00:00.000Z',
    })),
  };
  const result = { ...base, track };
  assert.deepEqual(normaliseResult(JSON.parse(stableStringify(result))).track, track);
  const loose = normaliseResult({
    ...base,
    track: { order: 7, checkpoints: [{ file: null, epoch: 'x' }] },
  });
  assert.deepEqual(loose.track, {
    order: 'mtime',
    checkpoints: [{ file: '', epoch: null, step: null, mtime: '' }],
  });
  assert.equal(normaliseResult(base).track, undefined);
});

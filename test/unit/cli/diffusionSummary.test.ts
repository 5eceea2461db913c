import assert from 'node:assert/strict';
import { test } from 'node:test';

import { diffusionSummary } from '../../../src/cli/diffusionSummary';
import { sampleResult } from '../builders';
import { diffusionResult, without } from '../diffusionBuilders';
import { HOSTILE_TEXT, hasTerminalControl } from '../helpers';

test('a diffusion result gets the jump, the run and the spread over seeds', () => {
  assert.deepEqual(diffusionSummary(diffusionResult()), [
    'source -> reconstruction: pixel change 4.1 %; tiny <model>: P(cat) 0.990 -> 1.000 (moved 1 %)',
    'editor: 20 denoising steps, 91 UNet calls, 1,821 image evaluations, 12.3 s (unet 11.1 s), 64x48 px on cuda',
    'editor: the VAE encoder samples its latents: seeded',
    `tiny <model>: EPGM 1 ± 0.1 over 3 seeds (seeds 0, 1, 2; flips 1 to 2); the path shown, seed 0: ${String(Number(diffusionResult().models[0]?.measure.epgm.toPrecision(4)))}`,
  ]);
});

test('several models get a line each under the pixel change', () => {
  const r = diffusionResult();
  const m = r.models[0];
  assert.ok(m !== undefined);
  const editor = without(r.editor, 'run');
  const plain = without(m, 'seedSpread');
  const lines = diffusionSummary({
    ...r,
    editor,
    models: [m, { ...plain, name: 'other', sourcePrediction: [0.2, 0.8] }],
  });
  assert.deepEqual(lines.slice(0, 3), [
    'source -> reconstruction: pixel change 4.1 %',
    '  tiny <model>: P(cat) 0.990 -> 1.000 (moved 1 %)',
    '  other: dog 0.800 -> cat 1.000 (moved 80 %)',
  ]);
});

test('a result of a pixel editor gets no extra lines', () => {
  assert.deepEqual(diffusionSummary(sampleResult()), []);
});

test("a model's name and labels and the run's notes are printed with control characters escaped", () => {
  const r = diffusionResult();
  const run = r.editor.run;
  assert.ok(run !== undefined);
  const lines = diffusionSummary({
    ...r,
    editor: {
      ...r.editor,
      run: { ...run, provider: HOSTILE_TEXT, fallbackReason: HOSTILE_TEXT, notes: [HOSTILE_TEXT] },
    },
    models: r.models.map((m) => ({
      ...m,
      name: HOSTILE_TEXT,
      labels: m.labels.map(() => HOSTILE_TEXT),
    })),
  });
  assert.equal(lines.length, 4);
  for (const line of lines) assert.ok(!hasTerminalControl(line), JSON.stringify(line));
});

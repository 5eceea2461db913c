import assert from 'node:assert/strict';
import { test } from 'node:test';

import { jumpView, runLine, seedSpreadLine } from '../../../src/webview/model/diffusionView';
import { sampleResult } from '../builders';
import { diffusionResult, without } from '../diffusionBuilders';

test('the jump names the first frame by its parameter and gives each model its change', () => {
  const r = diffusionResult();
  const view = jumpView({ ...r, frames: r.frames.map((f, k) => ({ ...f, parameter: k * 2.5 })) });
  assert.deepEqual(view, {
    firstCaption: 'guidance 0',
    pixelChange: 'Pixel change 4.1 %',
    models: [{ model: 'tiny <model>', change: 'P(cat) 0.990 → 1.000', moved: 'moved 1 %' }],
  });
});

test('no jump for an editor whose first frame is the source; none per model without a source prediction', () => {
  assert.equal(jumpView(sampleResult()), null);
  const r = diffusionResult();
  const m = r.models[0];
  assert.ok(m !== undefined);
  assert.deepEqual(jumpView({ ...r, models: [without(m, 'sourcePrediction')] })?.models, []);
});

test('a card of a path made with several seeds says which EPGM it shows and the spread', () => {
  const m = diffusionResult().models[0];
  assert.ok(m !== undefined);
  assert.deepEqual(seedSpreadLine(m), {
    text: 'Over 3 seeds: EPGM 1 ± 0.1 (mean ± std); above: seed 0',
    title:
      "The EPGM above is the path shown (seed 0); seeds 0, 1, 2; flips 1 to 2. The spread is the editor's own noise: a difference between seeds is not the classifier's.",
  });
  assert.equal(seedSpreadLine(sampleResult().models[0] ?? m), null);
});

test("the editor's run in one line with every number in its tooltip", () => {
  const run = diffusionResult().editor.run;
  assert.ok(run !== undefined);
  const line = runLine(run);
  assert.equal(
    line.text,
    'Editor run: 20 denoising steps, 91 UNet calls, 1,821 image evaluations, 12.3 s (unet 11.1 s) · 64 × 48 px on cuda',
  );
  assert.match(
    line.title,
    /^denoiseSteps 20, unetCalls 91, imageEvaluations 1,821, frames 5, unet 11\.1 s, total 12\.3 s$/,
  );
});

// The instruction editor through runExplain, as the child runs it, on the fixture export
// (test/fixtures/diffusion/README.md): the source is not on the path (it is classified on its own
// and the jump reported), the frames are cached by the model's content, the run is recorded, a
// run is cancelled between UNet calls, and an incomplete folder is refused before any work.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { EditorInputError } from '../../../src/extension/editors/types';
import { readImage } from '../../../src/extension/images/io';
import { runExplain } from '../../../src/extension/pipeline/explainRun';
import type { ExplainRun, RunProgress } from '../../../src/shared/childProtocol';
import { distFile, ROOT } from '../../unit/helpers';

const demo = join(ROOT, 'models', 'demo');
const fixture = join(ROOT, 'test', 'fixtures', 'diffusion', 'ip2p-fp32');

function request(root: string, model: string, classifier = 'unbiased'): ExplainRun {
  return {
    type: 'explain/run',
    image: join(demo, 'images', 'dark-cat.png'),
    editor: 'instruct-pix2pix',
    params: { model, instruction: 'make the fur white', maxSize: 64, denoiseSteps: 3 },
    steps: 4,
    seed: 7,
    permutations: 50,
    alpha: 0.01,
    models: [{ path: join(demo, `${classifier}.onnx`) }],
    provider: 'cpu',
    cacheDir: join(root, 'cache'),
    outDir: join(root, `out-${classifier}`),
    name: 'cat',
  };
}

function context(
  signal = new AbortController().signal,
  progress: (p: RunProgress) => void = () => undefined,
) {
  return { workerPath: distFile('permutationWorker.js'), signal, progress, log: () => undefined };
}

test('a diffusion path: source beside the reconstruction, the run recorded, frames reused by a second classifier', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-diffusion-'));
  const first = await runExplain(request(root, fixture), context());
  const { result } = first;
  // guidance 0 .. 10 over 4 images; the frames at the working size (the 128x128 demo image at maxSize 64).
  assert.deepEqual(
    result.frames.map((f) => f.strength),
    [0, 10 / 3, 20 / 3, 10],
  );
  const frame = await readImage(join(root, 'out-unbiased', result.frames[0]?.file ?? ''));
  assert.deepEqual([frame.image.width, frame.image.height], [64, 64]);
  assert.equal(result.editor.identityAtZero, false);
  assert.ok(result.reconstruction !== undefined && result.reconstruction.change > 0);
  assert.equal(result.reconstruction.change, result.frames[0]?.changeInside);
  const model = result.models[0];
  assert.equal(model?.sourcePrediction?.length, 2, 'the source classified on its own');
  assert.equal(model.predictions.length, 4, 'and not as a step of the path');
  // 3 denoising steps: the first shared (3 images), then gT = 0 needs 2 branches, the others 3.
  assert.deepEqual(result.editor.run?.counts, {
    frames: 4,
    denoiseSteps: 3,
    unetCalls: 3,
    imageEvaluations: 3 + 2 * (2 + 3 * 3),
    maxBatch: 64,
  });
  assert.deepEqual(result.editor.run.size, [64, 64]);
  assert.ok(result.editor.content?.files.some((f) => f.name === 'unet/model.onnx'));
  assert.ok(existsSync(join(root, 'cache', 'file-digests.json')), 'the model hashed once, kept');

  const second = await runExplain(request(root, fixture, 'dark-cats'), context());
  assert.equal(second.result.editor.run, undefined, 'no diffusion: every frame from the cache');
  assert.deepEqual(second.result.editor.content, result.editor.content);
  for (const [k, f] of second.result.frames.entries()) {
    const a = await readImage(join(root, 'out-dark-cats', f.file));
    const b = await readImage(join(root, 'out-unbiased', result.frames[k]?.file ?? ''));
    assert.deepEqual(a.image, b.image);
  }
});

test('another model file makes new frames (the cache keys on the folder content)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-diffusion-'));
  const copy = join(root, 'model');
  cpSync(fixture, copy, { recursive: true });
  const first = await runExplain(request(root, copy), context());
  cpSync(join(ROOT, 'test', 'fixtures', 'diffusion', 'ip2p-legacy', 'unet'), join(copy, 'unet'), {
    recursive: true,
  });
  const again = await runExplain(
    { ...request(root, copy), outDir: join(root, 'again') },
    context(),
  );
  assert.notEqual(again.result.editor.content?.sha256, first.result.editor.content?.sha256);
  assert.ok(again.result.editor.run !== undefined, 'edited again, not taken from the cache');
});

test('a run is cancelled between UNet calls and leaves nothing behind', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-diffusion-'));
  const controller = new AbortController();
  const steps: string[] = [];
  const run = runExplain(
    { ...request(root, fixture), params: { ...request(root, fixture).params, denoiseSteps: 50 } },
    context(controller.signal, (p) => {
      if (p.message.startsWith('Denoising step')) {
        steps.push(p.message);
        if (steps.length === 2) controller.abort();
      }
    }),
  );
  await assert.rejects(run, (error: unknown) => controller.signal.aborted && error !== undefined);
  assert.equal(steps.length, 2, 'no denoising step after the cancel');
  assert.ok(!existsSync(join(root, 'out-unbiased')), 'no output folder');
});

test('an incomplete export is refused, listing everything missing and the export command', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-diffusion-'));
  const copy = join(root, 'model');
  cpSync(fixture, copy, { recursive: true });
  rmSync(join(copy, 'unet'), { recursive: true });
  rmSync(join(copy, 'scheduler'), { recursive: true });
  await assert.rejects(runExplain(request(root, copy), context()), (error: unknown) => {
    assert.ok(error instanceof EditorInputError);
    assert.equal(error.help, 'editor-model', 'VS Code offers how to export a model');
    assert.match(
      error.message,
      /incomplete diffusion model export: it lacks unet\/model\.onnx, scheduler\/scheduler_config\.json\. Export the whole model with: optimum-cli export onnx/,
    );
    return true;
  });
});

test('--seeds 3: the path made with seeds 7, 8 and 9; EPGM and flips per seed, and the band around the curve', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-diffusion-'));
  const run = await runExplain({ ...request(root, fixture), seeds: 3 }, context());
  const model = run.result.models[0];
  const spread = model?.seedSpread;
  assert.ok(model !== undefined && spread !== undefined);
  assert.deepEqual(spread.seeds, [7, 8, 9]);
  assert.equal(spread.epgm.length, 3);
  assert.equal(spread.flips.length, 3);
  assert.ok(
    Math.abs((spread.epgm[0] ?? NaN) - model.measure.epgm) < 1e-12,
    'seed 7 is the path shown',
  );
  assert.ok(new Set(spread.epgm).size > 1, 'other seeds, other paths');
  const mean = spread.epgm.reduce((a, b) => a + b, 0) / 3;
  assert.ok(Math.abs(spread.epgmMean - mean) < 1e-12);
  const sd = Math.sqrt(spread.epgm.reduce((a, b) => a + (b - mean) ** 2, 0) / 2);
  assert.ok(Math.abs(spread.epgmStd - sd) < 1e-12, 'the sample standard deviation');
  model.predictions.forEach((row, k) => {
    row.forEach((p, c) => {
      assert.ok((spread.lower[k]?.[c] ?? NaN) <= p && p <= (spread.upper[k]?.[c] ?? NaN));
    });
  });
  // Every seed's frames were cached: another classifier runs no diffusion at all.
  const again = await runExplain({ ...request(root, fixture, 'dark-cats'), seeds: 3 }, context());
  assert.equal(again.result.editor.run, undefined);
  assert.deepEqual(again.result.models[0]?.seedSpread?.seeds, [7, 8, 9]);
});

test('--seeds is refused for an editor whose path does not depend on the seed', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-diffusion-'));
  await assert.rejects(
    runExplain(
      { ...request(root, fixture), editor: 'brightness', params: { factor: 1.5 }, seeds: 2 },
      context(),
    ),
    /The brightness editor makes the same path whatever the seed/,
  );
});

test("an older export's sampled image latents are seeded: the same seed makes the same path", async () => {
  const legacy = join(ROOT, 'test', 'fixtures', 'diffusion', 'ip2p-legacy');
  const framesOf = async (dir: string, seed: number) => {
    const run = await runExplain(
      { ...request(join(dir, 'run'), legacy), seed, cacheDir: join(dir, 'cache') },
      context(),
    );
    assert.match(
      run.result.editor.run?.notes.join(' ') ?? '',
      /the draw is seeded with the run's seed/,
    );
    return Promise.all(
      run.result.frames.map(
        async (f) => (await readImage(join(dir, 'run', 'out-unbiased', f.file))).image.data,
      ),
    );
  };
  const root = mkdtempSync(join(tmpdir(), 'propsweep-diffusion-'));
  // Separate caches: the second run edits again instead of reusing the first one's frames.
  const first = await framesOf(join(root, 'a'), 7);
  assert.deepEqual(await framesOf(join(root, 'b'), 7), first);
  assert.notDeepEqual(await framesOf(join(root, 'c'), 8), first);
});

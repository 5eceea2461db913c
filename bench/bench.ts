// npm run bench: prints one JSON line per measurement. Targets from issue #2; numbers, not tests.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

import { assessEdit } from '../src/extension/editors/quality';
import { editorById } from '../src/extension/editors/registry';
import { InferenceChild } from '../src/extension/inference/childClient';
import type { RgbImage } from '../src/extension/images/image';
import { encodePng, readImage } from '../src/extension/images/io';
import { analyse, complete, measure } from '../src/extension/measures';
import { loadClassifier } from '../src/extension/models/onnxClassifier';
import { explain } from '../src/extension/pipeline/explain';
import { runExplain, WarmClassifiers } from '../src/extension/pipeline/explainRun';
import { runPermutationTest } from '../src/extension/pipeline/permutationPool';
import { FrameCache } from '../src/extension/store/frameCache';
import { benchModel } from './benchModel';
import { classifiers } from './classifierBench';
import { folder } from './folderBench';
import { track } from './trackBench';
import { diffusion, diffusionGpu } from './diffusionBench';

const workerPath = join(__dirname, 'permutationWorker.js');

function emit(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

/** x rounded to a thousandth (of a millisecond, or of a ratio). */
function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The value at quantile q (0.5: the median) of xs, which it sorts. */
function quantile(xs: number[], q: number): number {
  xs.sort((a, b) => a - b);
  return xs[Math.floor(xs.length * q)] ?? NaN;
}

/** The median of xs (which it sorts). */
function median(xs: number[]): number {
  return quantile(xs, 0.5);
}

/** Median, minimum, 90th percentile and first (cold, JIT included) wall times of `runs` calls, in ms. */
async function time(
  runs: number,
  fn: () => unknown,
): Promise<{ ms_median: number; ms_min: number; ms_p90: number; ms_first: number }> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  const first = times[0] ?? NaN;
  return {
    ms_median: round(quantile(times, 0.5)),
    ms_min: round(quantile(times, 0)),
    ms_p90: round(quantile(times, 0.9)),
    ms_first: round(first),
  };
}

/** A smooth softmax path over `outputs` classes (a sigmoid-like hand-over between two of them). */
function softmaxPath(steps: number, outputs: number): number[][] {
  return Array.from({ length: steps }, (_, k) => {
    const logits = Array.from(
      { length: outputs },
      (_, c) => Math.sin(0.37 * c) + (c === 0 ? 4 - (8 * k) / steps : 0),
    );
    const max = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - max));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  });
}

/** The shuffle test: one output, and 1,000 outputs on an even and an uneven grid. */
async function permutation(): Promise<void> {
  // One output, 101 steps, 10,000 permutations: the reference's loop takes ~480 ms here.
  const single = Array.from({ length: 101 }, (_, i) => 1 / (1 + Math.exp(-(i - 50) / 8)));
  emit({
    bench: 'permutation-test',
    steps: 101,
    outputs: 1,
    permutations: 10_000,
    threads: 1,
    target_ms: 5,
    ...(await time(100, () => measure({ predictions: single }, { permutations: 10_000 }))),
  });

  // 1,000 outputs, aggregate statistic: evenly spaced strengths (every parametric editor) and an
  // uneven grid (real-image sequences), each on one thread and on all cores.
  const rows = softmaxPath(101, 1000);
  const uneven = Array.from({ length: 101 }, (_, k) => k + 0.4 * Math.sin(k));
  for (const [grid, strengths] of [
    ['uniform', undefined],
    ['non-uniform', uneven],
  ] as const) {
    for (const threads of [1, availableParallelism()]) {
      emit({
        bench: 'permutation-test',
        steps: 101,
        outputs: 1000,
        permutations: 10_000,
        grid,
        threads,
        target_ms: 1000,
        ...(await time(3, async () => {
          const analysis = analyse({ predictions: rows, strengths }, { permutations: 10_000 });
          complete(analysis, await runPermutationTest(analysis, { workerPath, threads }));
        })),
      });
    }
  }
}

/** Extension activation: loading dist/extension.js and activate(), each in a fresh process. */
function activation(): void {
  const times = Array.from({ length: 7 }, () => {
    const out = spawnSync(process.execPath, [join(__dirname, '..', 'bench', 'activation.cjs')], {
      encoding: 'utf8',
    });
    if (out.status !== 0) throw new Error(`activation benchmark failed: ${out.stderr}`);
    return Number(out.stdout.trim());
  });
  emit({
    bench: 'activation',
    target_ms: 50,
    ms_median: round(quantile(times, 0.5)),
    ms_min: round(quantile(times, 0)),
    note: 'require(dist/extension.js) + activate() with a stand-in vscode module',
  });
}

/** Child process start-up (fork to `child/ready`), and an explanation against raw inference. */
async function pipeline(): Promise<void> {
  emit({
    bench: 'child-startup',
    target: 'informational',
    ...(await time(7, async () => {
      (await InferenceChild.start(join(__dirname, 'inferenceChild.js'))).dispose();
    })),
  });

  const dir = mkdtempSync(join(tmpdir(), 'propsweep-bench-'));
  const { onnx, sidecar } = benchModel();
  const modelPath = join(dir, 'bench-convnet.onnx');
  writeFileSync(modelPath, onnx);
  writeFileSync(join(dir, 'bench-convnet.json'), JSON.stringify(sidecar));
  const imagePath = join(__dirname, '..', 'models', 'demo', 'images', 'dark-cat.png');
  const { image } = await readImage(imagePath);
  const steps = 21;
  const strengths = Array.from({ length: steps }, (_, k) => k / (steps - 1));
  const editor = editorById('brightness');
  const params = editor.resolveParams({});
  const frames: RgbImage[] = [];
  for await (const frame of editor.edit({ source: image, params, seed: 0 }, strengths))
    frames.push(frame.image);
  const classifier = await loadClassifier(modelPath, {});
  await classifier.predict(frames.slice(0, 2)); // warm up the session
  const raw = await time(3, () => classifier.predict(frames));
  emit({
    bench: 'raw-inference',
    model: 'bench-convnet (0.5 GMAC, 224x224)',
    images: steps,
    batch: 16,
    ...raw,
  });
  const run = (cache: FrameCache): ReturnType<typeof explain> =>
    explain({
      source: { image, path: imagePath, sha256: 'bench' },
      mask: null,
      editor,
      params,
      strengths,
      seed: 0,
      classifiers: [{ name: 'bench', classifier }],
      measure: { permutations: 10_000, alpha: 0.01 },
      cache,
      imaging: { encodePng, decodePng: async (p) => (await readImage(p)).image, assessEdit },
      workerPath,
    });
  // Raw inference and the explanation alternate, so that both see the same machine (this one's
  // speed drifts by tens of percent over seconds); the ratio is the median of the pairs' ratios.
  // The explanation's time is until explain() returns: the answer, which the panel shows then;
  // the frames' PNG files are written after it (written_*), before the result is saved.
  const warmCache = new FrameCache(mkdtempSync(join(dir, 'warm-')));
  await (await run(warmCache)).writeFrames();
  for (const cache of ['cold', 'warm'] as const) {
    const pairs: { raw: number; explain: number; written: number }[] = [];
    for (let i = 0; i < 7; i++) {
      // The previous pair's garbage (the cold case's PNGs) is collected before, not during, this one.
      (globalThis as { gc?: () => void }).gc?.();
      const rawStart = performance.now();
      await classifier.predict(frames);
      const rawMs = performance.now() - rawStart;
      const explainStart = performance.now();
      const explanation = await run(
        cache === 'cold' ? new FrameCache(mkdtempSync(join(dir, 'cold-'))) : warmCache,
      );
      const explainMs = performance.now() - explainStart;
      await explanation.writeFrames();
      pairs.push({ raw: rawMs, explain: explainMs, written: performance.now() - explainStart });
    }
    emit({
      bench: 'explain-vs-inference',
      editor: 'brightness',
      cache,
      images: steps,
      permutations: 10_000,
      pairs: pairs.length,
      ms_median: round(median(pairs.map((p) => p.explain))),
      raw_inference_ms: round(median(pairs.map((p) => p.raw))),
      ratio: round(median(pairs.map((p) => p.explain / p.raw))),
      ratio_max: round(Math.max(...pairs.map((p) => p.explain / p.raw))),
      target_ratio: 1.15,
      written_ms_median: round(median(pairs.map((p) => p.written))),
      written_ratio: round(median(pairs.map((p) => p.written / p.raw))),
    });
  }
  await classifier.dispose();
  await explainRuns(dir, modelPath, imagePath, steps);
}

/**
 * Explanations one after another as the inference child runs them (runExplain: the image read,
 * the classifier loaded, edited, classified, measured, written), each loading its classifier,
 * against the classifier kept loaded from the run before (WarmClassifiers), in alternating pairs.
 */
async function explainRuns(
  dir: string,
  modelPath: string,
  imagePath: string,
  steps: number,
): Promise<void> {
  const warm = new WarmClassifiers();
  let runs = 0;
  const run = async (kept: WarmClassifiers | undefined): Promise<number> => {
    const start = performance.now();
    await runExplain(
      {
        type: 'explain/run',
        image: imagePath,
        editor: 'brightness',
        params: {},
        steps,
        seed: 0,
        permutations: 10_000,
        alpha: 0.01,
        models: [{ path: modelPath }],
        provider: 'cpu',
        cacheDir: join(dir, 'explain-runs-cache'),
        outDir: join(dir, 'explain-runs'),
        name: `run-${++runs}`,
      },
      {
        workerPath,
        signal: new AbortController().signal,
        progress: () => undefined,
        log: () => undefined,
        warm: kept,
      },
    );
    return performance.now() - start;
  };
  await run(warm); // loads it into the pool
  const pairs: { loaded: number; kept: number }[] = [];
  for (let i = 0; i < 7; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    const loaded = await run(undefined);
    (globalThis as { gc?: () => void }).gc?.();
    pairs.push({ loaded, kept: await run(warm) });
  }
  await warm.dispose();
  emit({
    bench: 'explain-run',
    what: 'runExplain of the dark cat, brightness, bench-convnet (0.5 GMAC, 224x224), one after another',
    images: steps,
    pairs: pairs.length,
    loaded_each_run_ms_median: round(median(pairs.map((p) => p.loaded))),
    kept_loaded_ms_median: round(median(pairs.map((p) => p.kept))),
    saved_ms_median: round(median(pairs.map((p) => p.loaded - p.kept))),
  });
}

/**
 * `npm run bench -- permutation activation`: only the named groups; all of them by default but
 * diffusion-gpu (it needs a CUDA GPU: bench/diffusionGpu.sh).
 */
const groups = {
  permutation,
  activation,
  pipeline,
  classifiers,
  track,
  folder,
  diffusion,
  'diffusion-gpu': diffusionGpu,
} as const;
const onRequest: readonly string[] = ['diffusion-gpu'];
const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in groups));
if (unknown.length > 0) {
  console.error(
    `unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(groups).join(', ')}`,
  );
  process.exit(2);
}
emit({
  bench: 'machine',
  node: process.version,
  cores: availableParallelism(),
  cpu: cpus()[0]?.model ?? 'unknown',
});
const chosen = Object.entries(groups).filter(
  ([name]) => (asked.length === 0 && !onRequest.includes(name)) || asked.includes(name),
);
chosen
  .reduce<Promise<void>>((done, [, run]) => done.then(run), Promise.resolve())
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });

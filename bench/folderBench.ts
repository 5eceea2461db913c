// npm run bench -- folder: a folder run against the raw batched inference of the same images
// (issue #11, target <= 1.1x). 100 generated images, a parametric editor (brightness), one
// classifier with the cost of a real one (bench/benchModel.ts). The raw side classifies the 100 x N
// edited images, already in memory, in the classifier's own batches: the least a folder run could
// cost. The folder run does everything a user's run does, as the child does it (runFolder): reads
// each PNG, edits, classifies, measures, writes every result folder and thumbnail, the journal and
// the summary, with an empty frame cache. Raw and folder runs alternate, as in the pipeline bench.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { editorById } from '../src/extension/editors/registry';
import { rgbImage, type RgbImage } from '../src/extension/images/image';
import { encodePng } from '../src/extension/images/io';
import { Rng } from '../src/extension/measures/rng';
import { loadClassifier } from '../src/extension/models/onnxClassifier';
import { runFolder } from '../src/extension/pipeline/folderRun';
import { benchModel } from './benchModel';

const IMAGES = 100;
const STEPS = 11;
const SIDE = 160;
const PAIRS = 3;

function emit(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** A seeded image: a colour gradient with noise, different for each k. */
function generatedImage(k: number): RgbImage {
  const rng = new Rng(1000 + k);
  const image = rgbImage(SIDE, SIDE);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const i = (y * SIDE + x) * 3;
      image.data[i] = (x * 255) / SIDE;
      image.data[i + 1] = (y * 255) / SIDE;
      image.data[i + 2] = (k * 37 + rng.nextFloat() * 64) % 256;
    }
  }
  return image;
}

/** A folder run of 100 images vs raw batched inference of the same 100 x N edited images. */
export async function folder(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-folder-bench-'));
  const { onnx, sidecar } = benchModel();
  const modelPath = join(dir, 'bench-convnet.onnx');
  writeFileSync(modelPath, onnx);
  writeFileSync(join(dir, 'bench-convnet.json'), JSON.stringify(sidecar));
  const images = join(dir, 'images');
  await mkdir(images);
  const sources = Array.from({ length: IMAGES }, (_, k) => generatedImage(k));
  for (const [k, image] of sources.entries()) {
    writeFileSync(join(images, `img-${String(k).padStart(3, '0')}.png`), await encodePng(image));
  }
  const editor = editorById('brightness');
  const params = editor.resolveParams({});
  const strengths = Array.from({ length: STEPS }, (_, k) => k / (STEPS - 1));
  const frames: RgbImage[] = [];
  for (const source of sources) {
    for await (const frame of editor.edit({ source, params, seed: 0 }, strengths))
      frames.push(frame.image);
  }
  const classifier = await loadClassifier(modelPath, {});
  await classifier.predict(frames.slice(0, 2)); // warm up the session
  let runs = 0;
  const folderRun = (): ReturnType<typeof runFolder> => {
    runs++;
    return runFolder(
      {
        type: 'explainFolder/run',
        folder: images,
        recursive: false,
        limit: null,
        shard: null,
        adjustment: 'holm',
        name: 'bench',
        editor: 'brightness',
        params: {},
        steps: STEPS,
        seed: 0,
        permutations: 1000,
        alpha: 0.01,
        models: [{ kind: 'onnx', path: modelPath }],
        provider: 'cpu',
        cacheDir: mkdtempSync(join(dir, 'cache-')),
        outDir: join(dir, `out-${runs}`),
      },
      {
        workerPath: join(__dirname, 'permutationWorker.js'),
        classifierWorkerPath: join(__dirname, 'classifierWorker.js'),
        signal: new AbortController().signal,
        progress: () => undefined,
        log: () => undefined,
      },
    );
  };
  const pairs: { raw: number; folder: number; rawFaults: number; folderFaults: number }[] = [];
  // Minor page faults (first touches of fresh memory) are costly on a VM: 11 us each here.
  const faults = (): number => process.resourceUsage().minorPageFault;
  for (let i = 0; i < PAIRS; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    const rawFaults = faults();
    const rawStart = performance.now();
    await classifier.predict(frames);
    const raw = performance.now() - rawStart;
    (globalThis as { gc?: () => void }).gc?.();
    const folderFaults = faults();
    const folderStart = performance.now();
    const value = await folderRun();
    const folderMs = performance.now() - folderStart;
    if (value.file.summary.done !== IMAGES)
      throw new Error(`the folder run explained ${value.file.summary.done} of ${IMAGES} images`);
    pairs.push({
      raw,
      folder: folderMs,
      rawFaults: folderFaults - rawFaults,
      folderFaults: faults() - folderFaults,
    });
  }
  await classifier.dispose();
  emit({
    bench: 'folder-vs-inference',
    editor: 'brightness',
    model: 'bench-convnet (0.5 GMAC, 224x224)',
    images: IMAGES,
    steps: STEPS,
    classified: IMAGES * STEPS,
    pairs: pairs.length,
    folder_ms_median: Math.round(median(pairs.map((p) => p.folder))),
    raw_inference_ms_median: Math.round(median(pairs.map((p) => p.raw))),
    ratio: Math.round(median(pairs.map((p) => p.folder / p.raw)) * 1000) / 1000,
    ratios: pairs.map((p) => Math.round((p.folder / p.raw) * 1000) / 1000),
    raw_page_faults: pairs.map((p) => p.rawFaults),
    folder_page_faults: pairs.map((p) => p.folderFaults),
    target_ratio: 1.1,
  });
}

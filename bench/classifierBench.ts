// npm run bench -- classifiers: what a classifier command costs per image against the same model in
// process (issue #10, target: the PNG hand-over and JSON add <= 10% for a 128 px model at batch
// 32). The command is test/fixtures/commands/onnxCommand.mjs: the same ONNX file on
// onnxruntime-node, reading the handed-over PNGs with sharp, so the difference is the hand-over
// (PNG encode and files in the host, PNG decode in the command, JSON lines both ways) and the
// second process sharing the cores. The parts are timed on their own too. Numbers, not tests.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { editorById } from '../src/extension/editors/registry';
import type { RgbImage } from '../src/extension/images/image';
import { readImage, resizeImage } from '../src/extension/images/io';
import { loadCommandClassifier } from '../src/extension/models/commandClassifier';
import { cpuThreads } from '../src/extension/natives/cpuThreads';
import { storedPng } from '../src/extension/models/commandPng';
import { loadClassifier } from '../src/extension/models/onnxClassifier';
import type { Classifier } from '../src/extension/models/types';
import { loadSharp } from '../src/extension/natives/natives';
import { benchModel } from './benchModel';

const SIZE = 128;
const BATCH = 32;
const PAIRS = 9;
const FIXTURES = join(__dirname, '..', 'test', 'fixtures', 'commands');

function emit(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** Median wall time of `runs` calls of `fn`, in ms. */
async function medianMs(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return median(times);
}

/** A brightness path of BATCH frames of the demo cat at the model's size. */
async function framesAtSize(): Promise<RgbImage[]> {
  const { image } = await readImage(
    join(__dirname, '..', 'models', 'demo', 'images', 'dark-cat.png'),
  );
  const source = await resizeImage(image, SIZE, SIZE);
  const editor = editorById('brightness');
  const params = editor.resolveParams({});
  const strengths = Array.from({ length: BATCH }, (_, k) => k / (BATCH - 1));
  const frames: RgbImage[] = [];
  for await (const frame of editor.edit({ source, params, seed: 0 }, strengths)) {
    frames.push(frame.image);
  }
  return frames;
}

/**
 * The two model costs compared: the bench model (a quarter of a ResNet-18's multiply-adds) and the
 * same at twice the width (a ResNet-18's at 128 px). The hand-over's cost per image is the same
 * for both; what share of the model's own time it is differs.
 */
const WIDTHS = [
  { width: 1, model: `bench-convnet (${SIZE}x${SIZE}, 1000 classes, 1/4 of a ResNet-18's cost)` },
  { width: 2, model: `bench-convnet x2 (${SIZE}x${SIZE}, 1000 classes, a ResNet-18's cost)` },
] as const;

/** The command against in-process ONNX for each model cost, then the hand-over's parts on their own. */
export async function classifiers(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-bench-classifiers-'));
  try {
    const frames = await framesAtSize();
    for (const { width, model } of WIDTHS) await compare(dir, frames, width, model);
    await handOverParts(frames, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One model: in process, through the command, and the protocol's floor, in alternating rounds. */
async function compare(
  dir: string,
  frames: readonly RgbImage[],
  width: number,
  model: string,
): Promise<void> {
  const { onnx, sidecar } = benchModel(SIZE, width);
  const modelPath = join(dir, `bench-convnet-${SIZE}-w${width}.onnx`);
  writeFileSync(modelPath, onnx);
  writeFileSync(join(dir, `bench-convnet-${SIZE}-w${width}.json`), JSON.stringify(sidecar));
  const workDir = join(dir, `work-w${width}`);
  mkdirSync(workDir);
  const inProcess = await loadClassifier(modelPath, { batchSize: BATCH });
  const { threads } = cpuThreads();
  const command = await loadCommandClassifier(
    {
      kind: 'command',
      command: [
        process.execPath,
        join(FIXTURES, 'onnxCommand.mjs'),
        '{checkpoint}',
        String(SIZE),
        '--mean',
        '0.485,0.456,0.406',
        '--std',
        '0.229,0.224,0.225',
        // The threads of propsweep's own CPU sessions, so that both run the model alike.
        ...(threads === null ? [] : ['--threads', String(threads)]),
      ],
      checkpoint: modelPath,
    },
    { workDir, log: () => undefined },
  );
  // The protocol's floor: a command that answers 1000 scores per image at once, without
  // reading the images: the host's PNG files, the JSON both ways and the pipes.
  const floor = await loadCommandClassifier(
    {
      kind: 'command',
      command: [process.execPath, join(FIXTURES, 'behave.mjs'), 'unlabelled', '1000'],
    },
    { workDir, log: () => undefined },
  );
  try {
    // Warm all (sessions, JIT, sharp's thread pool), then alternate so that all see the same
    // machine; the ratio is the median of the rounds' ratios.
    for (const classifier of [inProcess, command, floor]) await classifier.predict(frames);
    const rounds: { onnx: number; command: number; floor: number }[] = [];
    const timed = async (classifier: Classifier): Promise<number> => {
      const start = performance.now();
      await classifier.predict(frames);
      return performance.now() - start;
    };
    for (let i = 0; i < PAIRS; i++) {
      (globalThis as { gc?: () => void }).gc?.();
      // The command runs after the floor, not right after the in-process session: that
      // session's threads spin for a while after a run and would take the command's cores.
      const onnxMs = await timed(inProcess);
      const floorMs = await timed(floor);
      rounds.push({ onnx: onnxMs, floor: floorMs, command: await timed(command) });
    }
    const perImage = (key: 'onnx' | 'command' | 'floor'): number =>
      round(median(rounds.map((r) => r[key])) / BATCH);
    emit({
      bench: 'classifier-command',
      model,
      images: BATCH,
      batch: BATCH,
      rounds: PAIRS,
      onnx_ms_per_image: perImage('onnx'),
      command_ms_per_image: perImage('command'),
      overhead_ms_per_image: round(median(rounds.map((r) => r.command - r.onnx)) / BATCH),
      protocol_floor_ms_per_image: perImage('floor'),
      ratio: round(median(rounds.map((r) => r.command / r.onnx))),
      target_ratio: 1.1,
      floor_ratio: round(median(rounds.map((r) => (r.onnx + r.floor) / r.onnx))),
    });
  } finally {
    await Promise.all([inProcess.dispose(), command.dispose(), floor.dispose()]);
  }
}

/**
 * The hand-over's parts: PNG encode (the host; the stored PNG it uses, and sharp's at two zlib
 * levels for comparison) and decode with sharp (the command), and the JSON of a 1000-class answer.
 */
async function handOverParts(frames: readonly RgbImage[], dir: string): Promise<void> {
  const sharp = loadSharp();
  const encoders: Record<string, (image: RgbImage) => Promise<Buffer>> = {
    stored: (image) => Promise.resolve(storedPng(image)),
    sharp1: (image) => sharpPng(image, 1),
    sharp6: (image) => sharpPng(image, 6),
  };
  const parts: Record<string, number> = {};
  for (const [name, encode] of Object.entries(encoders)) {
    const encodeAll = (): Promise<Buffer[]> => Promise.all(frames.map(encode));
    const pngs = await encodeAll();
    const paths = pngs.map((png, i) => {
      const path = join(dir, `${name}-${i}.png`);
      writeFileSync(path, png);
      return path;
    });
    parts[`${name}_encode_ms_per_image`] = round((await medianMs(7, encodeAll)) / BATCH);
    parts[`${name}_decode_ms_per_image`] = round(
      (await medianMs(7, () =>
        Promise.all(paths.map((path) => sharp(path).removeAlpha().raw().toBuffer())),
      )) / BATCH,
    );
    parts[`${name}_kib_per_image`] = round(
      pngs.reduce((sum, png) => sum + png.length, 0) / BATCH / 1024,
    );
  }
  const answer = Array.from({ length: BATCH }, (_, r) =>
    Array.from({ length: 1000 }, (_, c) => Math.fround(Math.sin(r * 1000 + c) * 7)),
  );
  const line = JSON.stringify({ id: 1, outputs: answer });
  parts.json_parse_ms_per_image = round(
    (await medianMs(7, () => Promise.resolve(JSON.parse(line)))) / BATCH,
  );
  parts.json_stringify_ms_per_image = round(
    (await medianMs(7, () => Promise.resolve(JSON.stringify({ id: 1, outputs: answer })))) / BATCH,
  );
  emit({ bench: 'classifier-command-parts', images: BATCH, size: SIZE, ...parts });
}

function sharpPng(image: RgbImage, compressionLevel: number): Promise<Buffer> {
  const { width, height, data } = image;
  return loadSharp()(data, { raw: { width, height, channels: 3 } })
    .png({ compressionLevel })
    .toBuffer();
}

// Upper bounds on every size that a user or a model file controls. Each is checked before any
// work starts, so that large but valid requests fail at once with a message instead of running out
// of memory, hanging, or failing after the whole run. The CLI, the settings and the inference child
// read the numbers from here; the shuffle test's bound lives with the maths (MEASURE_LIMITS in
// src/extension/measures/measure.ts), which imports nothing of ours.
import { formatSize } from './format';
import { RESULT_LIMITS } from './resultFile';

/** The bounds, documented in the README (The command line) and in `propsweep explain --help`. */
export const LIMITS = {
  /** Fewest images on a path: the property gradient needs three. */
  minSteps: 3,
  /**
   * Most images on a path (--steps, propsweep.steps, a recorded sequence's frames); well below the
   * frames a saved result may hold (RESULT_LIMITS.frames).
   */
  steps: 1001,
  /** Largest model input side in pixels: a classifier sees a few hundred pixels a side. */
  inputSide: 4096,
  /** Largest tensor of one model run (batch x 3 x height x width float32), in bytes. */
  batchBytes: 256 * 1024 * 1024,
  /** Most scores per image a model may output (what a saved result may hold). */
  outputs: RESULT_LIMITS.outputs,
  /**
   * Most predicted numbers in one result (steps x outputs, summed over the models): about 30 bytes
   * each in the saved JSON, which must stay under RESULT_LIMITS.bytes to open again.
   */
  predictions: 1_500_000,
  /** Largest edited path held in memory (steps x width x height x 3 bytes). */
  pathBytes: 2 * 1024 * 1024 * 1024,
  /**
   * Longest class name (sidecar "labels", --labels) in characters: a name, not a description.
   * Every label is saved twice per model, so with up to 100,000 classes their length decides
   * whether the result can be opened again.
   */
  labelChars: 256,
  /**
   * Most steps `propsweep measure` takes from a predictions file: its gradient and shuffle test
   * take time in proportion to the steps (10^6 steps took minutes), and a path of images never
   * has more than a hundred thousand.
   */
  measureSteps: 100_001,
} as const;

/**
 * Largest text files a user names, read whole into memory: each is refused above its bound
 * instead of being read for ever (/dev/zero) or until memory runs out.
 */
export const FILE_LIMITS = {
  /** A predictions file for `measure` (--input, or standard input). */
  predictionsBytes: 256 * 1024 * 1024,
  /** A recorded sequence's CSV of path,strength. */
  csvBytes: 16 * 1024 * 1024,
  /** A model's sidecar MODEL.json. */
  sidecarBytes: 16 * 1024 * 1024,
  /** A model file hashed whole (the result's stale check, the loaded model's digest). */
  modelBytes: 4 * 1024 ** 3,
  /** A file an editor's parameter names (an overlay), hashed for the frame cache's key. */
  paramFileBytes: 256 * 1024 * 1024,
} as const;

/** The most seeds one explanation makes its path with (each seed is a whole path). */
export const MAX_SEEDS = 16;

/** Why a number of seeds is refused, or null when it is within the bounds. */
export function seedsProblem(seeds: number): string | null {
  if (Number.isInteger(seeds) && seeds >= 1 && seeds <= MAX_SEEDS) return null;
  return `seeds must be a whole number from 1 to ${MAX_SEEDS} (each seed makes the whole path again), got ${String(seeds)}`;
}

/** Why a number of steps is refused, or null when it is within the bounds. */
export function stepsProblem(steps: number): string | null {
  if (Number.isInteger(steps) && steps >= LIMITS.minSteps && steps <= LIMITS.steps) return null;
  return `steps must be a whole number from ${LIMITS.minSteps} (the gradient needs three images) to ${LIMITS.steps}, got ${String(steps)}`;
}

/** The sizes of one explanation, known once the image is read and the models are loaded. */
export interface RunSize {
  readonly steps: number;
  readonly width: number;
  readonly height: number;
  /** Scores per image of every model. */
  readonly outputs: readonly number[];
  /** Class names of every model, saved twice each (the model's and its measure's labels). */
  readonly labels: readonly (readonly string[])[];
}

// Bytes in the saved JSON (stableStringify: two-space indentation) at most, per item. A number
// is at most 24 characters (-2.2250738585072014e-308) on its own line, indented by 10 spaces at
// the deepest (models[].predictions[][], models[].measure.*_per_output[]), with comma and newline.
const NUMBER_BYTES = 24 + 10 + 2;
/** One frame record (file name, strength, parameter, change inside and outside). */
const FRAME_BYTES = 512;
/** Per step and model: the measure's strengths, t and predicted class, and a prediction row's brackets. */
const MODEL_STEP_BYTES = 3 * NUMBER_BYTES + 24;
/** Per output: the measure's EPGM and total variation per output. */
const OUTPUT_BYTES = 2 * NUMBER_BYTES;
/** Per label copy: indentation, comma and newline around its quoted JSON text. */
const LABEL_LINE_BYTES = 10 + 2;
/** Everything else: image, editor, quality, timings, and per model its name, paths and notes. */
const FIXED_BYTES = 64 * 1024;
const MODEL_BYTES = 16 * 1024;

/** Bytes of the class names in a saved result: each label's JSON text, twice per model. */
export function labelBytes(labels: readonly (readonly string[])[]): number {
  const encoder = new TextEncoder();
  let bytes = 0;
  for (const names of labels)
    for (const name of names)
      bytes += 2 * (encoder.encode(JSON.stringify(name)).length + LABEL_LINE_BYTES);
  return bytes;
}

/**
 * An upper estimate of the bytes of the saved NAME.propsweep.json of a run: what decides whether
 * it can be opened again (RESULT_LIMITS.bytes).
 */
export function resultBytesEstimate(size: Pick<RunSize, 'steps' | 'outputs' | 'labels'>): number {
  const { steps, outputs } = size;
  const perModel = outputs.reduce(
    (sum, c) =>
      sum + MODEL_BYTES + steps * (MODEL_STEP_BYTES + c * NUMBER_BYTES) + c * OUTPUT_BYTES,
    0,
  );
  return FIXED_BYTES + steps * FRAME_BYTES + perModel + labelBytes(size.labels);
}

/**
 * Why an explanation is too large to run, or null: the edited path must fit in memory, and the
 * predictions and class names of every model must fit in a result that can be opened again.
 */
export function runSizeProblem(size: RunSize): string | null {
  const { steps, width, height } = size;
  if (size.outputs.length > RESULT_LIMITS.models) {
    return `${size.outputs.length} classifiers are more than the ${RESULT_LIMITS.models} a saved result can hold. Explain fewer at once (a track run: fewer checkpoints, e.g. with --pattern).`;
  }
  if (steps > LIMITS.steps) {
    return `the path has ${steps} images, more than the limit of ${LIMITS.steps}. Use fewer steps (or fewer recorded frames).`;
  }
  const pathBytes = steps * width * height * 3;
  if (pathBytes > LIMITS.pathBytes) {
    const fit = Math.floor(LIMITS.pathBytes / (width * height * 3));
    return `${steps} edited images of ${width}x${height} take ${formatSize(pathBytes)} in memory, more than the limit of ${formatSize(LIMITS.pathBytes)}. ${fit >= LIMITS.minSteps ? `Use at most ${fit} steps, or downscale the image` : 'Downscale the image'} (a classifier sees a few hundred pixels a side).`;
  }
  const outputs = size.outputs.reduce((sum, c) => sum + c, 0);
  if (steps * outputs > LIMITS.predictions) {
    const fit = Math.floor(LIMITS.predictions / Math.max(outputs, 1));
    return `${steps} steps x ${outputs.toLocaleString('en-US')} scores per image (all models) make ${(steps * outputs).toLocaleString('en-US')} predictions, more than the ${LIMITS.predictions.toLocaleString('en-US')} a saved result can hold. ${fit >= LIMITS.minSteps ? `Use at most ${fit} steps, or fewer models` : 'Explain fewer models at once'}.`;
  }
  const bytes = resultBytesEstimate(size);
  if (bytes > RESULT_LIMITS.bytes) {
    return `the saved result would take about ${formatSize(bytes)}, ${formatSize(labelBytes(size.labels))} of it the class names (saved twice per model), more than the ${formatSize(RESULT_LIMITS.bytes)} a result may have to be opened again. Use fewer steps, fewer models, or shorter class names ("labels" in the model's sidecar).`;
  }
  return null;
}

// Upper bounds on every size that a user or a model file controls. Each is checked before any
// work starts, so that large but valid requests fail at once with a message instead of running out
// of memory, hanging, or failing after the whole run. The CLI, the settings and the inference child
// read the numbers from here; the shuffle test's bound lives with the maths (MEASURE_LIMITS in
// src/extension/measures/measure.ts), which imports nothing of ours.
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
} as const;

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
}

/**
 * Why an explanation is too large to run, or null: the edited path must fit in memory, and the
 * predictions of every model must fit in a result that can be opened again.
 */
export function runSizeProblem(size: RunSize): string | null {
  const { steps, width, height } = size;
  if (steps > LIMITS.steps) {
    return `the path has ${steps} images, more than the limit of ${LIMITS.steps}. Use fewer steps (or fewer recorded frames).`;
  }
  const pathBytes = steps * width * height * 3;
  if (pathBytes > LIMITS.pathBytes) {
    const fit = Math.floor(LIMITS.pathBytes / (width * height * 3));
    return `${steps} edited images of ${width}x${height} take ${gigabytes(pathBytes)} in memory, more than the limit of ${gigabytes(LIMITS.pathBytes)}. ${fit >= LIMITS.minSteps ? `Use at most ${fit} steps, or downscale the image` : 'Downscale the image'} (a classifier sees a few hundred pixels a side).`;
  }
  const outputs = size.outputs.reduce((sum, c) => sum + c, 0);
  if (steps * outputs > LIMITS.predictions) {
    const fit = Math.floor(LIMITS.predictions / Math.max(outputs, 1));
    return `${steps} steps x ${outputs.toLocaleString('en-US')} scores per image (all models) make ${(steps * outputs).toLocaleString('en-US')} predictions, more than the ${LIMITS.predictions.toLocaleString('en-US')} a saved result can hold. ${fit >= LIMITS.minSteps ? `Use at most ${fit} steps, or fewer models` : 'Explain fewer models at once'}.`;
  }
  return null;
}

function gigabytes(bytes: number): string {
  return `${(bytes / 1024 ** 3).toPrecision(3)} GiB`;
}

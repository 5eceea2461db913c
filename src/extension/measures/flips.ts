import { MeasureInputError } from './errors';
import { at, type Grid } from './grid';
import type { Matrix } from './matrix';

/** One change of the predicted class between consecutive steps. */
export interface Flip {
  /** The step at which the new class is first predicted (0 for the seam of a periodic path). */
  readonly index: number;
  readonly strength: number;
  readonly t: number;
  readonly from: number;
  readonly to: number;
}

/** Where along the path the predicted class changes. */
export interface FlipReport {
  readonly count: number;
  readonly flips: readonly Flip[];
  /** The predicted class at every step. */
  readonly predicted: readonly number[];
  /** The class predicted on the source image (by default, on the first step). */
  readonly sourceClass: number;
  /** Whether some step predicts another class than the source. */
  readonly sourceClassLost: boolean;
  /** The first step that does not predict the source class. */
  readonly firstLostIndex: number | null;
}

/** How a step's predicted class is read off its outputs. */
export interface FlipOptions {
  /** The class predicted on the unedited source; defaults to the class of the first step. */
  readonly sourceClass?: number | undefined;
  /**
   * For a single output (one probability or score per step): the class is 1 above the threshold,
   * else 0. Rows with several outputs use their argmax.
   */
  readonly threshold?: number | undefined;
}

/** Counts class changes along the path (argmax per step; ties go to the lower index). */
export function predictionFlips(y: Matrix, grid: Grid, options: FlipOptions = {}): FlipReport {
  const predicted = predictedClasses(y, options.threshold);
  const classes = y.cols === 1 ? 2 : y.cols;
  const sourceClass = options.sourceClass ?? at(predicted, 0);
  if (!Number.isInteger(sourceClass) || sourceClass < 0 || sourceClass >= classes) {
    throw new MeasureInputError(
      `source class ${String(sourceClass)} is not one of the ${classes} classes.`,
    );
  }
  const flips: Flip[] = [];
  const n = y.rows;
  for (let k = grid.periodic ? 0 : 1; k < n; k++) {
    const from = at(predicted, (k - 1 + n) % n);
    const to = at(predicted, k);
    if (from !== to)
      flips.push({ index: k, strength: at(grid.strengths, k), t: at(grid.t, k), from, to });
  }
  const firstLost = predicted.findIndex((c) => c !== sourceClass);
  return {
    count: flips.length,
    flips,
    predicted,
    sourceClass,
    sourceClassLost: firstLost >= 0,
    firstLostIndex: firstLost >= 0 ? firstLost : null,
  };
}

function predictedClasses(y: Matrix, threshold: number | undefined): number[] {
  const out: number[] = [];
  if (y.cols === 1) {
    if (threshold === undefined || !Number.isFinite(threshold)) {
      throw new MeasureInputError(
        'a single output per step needs a finite threshold to define the predicted class.',
      );
    }
    for (let k = 0; k < y.rows; k++) out.push(at(y.data, k) > threshold ? 1 : 0);
    return out;
  }
  for (let k = 0; k < y.rows; k++) {
    let best = 0;
    for (let c = 1; c < y.cols; c++) {
      if (at(y.data, k * y.cols + c) > at(y.data, k * y.cols + best)) best = c;
    }
    out.push(best);
  }
  return out;
}

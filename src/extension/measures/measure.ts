import {
  aggregateEpgm,
  epgmPerOutput,
  reduce,
  totalVariationPerOutput,
  type Statistic,
} from './epgm';
import { MeasureInputError } from './errors';
import { predictionFlips, type FlipReport } from './flips';
import { makeStencil, propertyGradient, type EdgeOrder, type Stencil } from './gradient';
import { at, makeGrid, type Grid } from './grid';
import { column, toMatrix, type Matrix } from './matrix';
import {
  checkPermutationOptions,
  permutationTest,
  type PermutationOptions,
  type PermutationTest,
} from './permutation';
import { prepareStatistic, type PreparedStatistic } from './preparedStatistic';

/** Predictions along one path, with the editor's strengths when it has them. */
export interface MeasureInput {
  /** One number per step (one output), or one row of outputs per step. */
  readonly predictions: unknown;
  /** s_1 < ... < s_N in the editor's units; the index when absent. */
  readonly strengths?: readonly unknown[] | undefined;
}

/** How to measure; every field has the default of shared/METHOD.md. */
export interface MeasureOptions {
  /** Differentiate by sample index as the reference does (published numbers). */
  readonly legacy?: boolean | undefined;
  /** Period of a periodic property, in the strengths' units. */
  readonly period?: number | undefined;
  readonly edgeOrder?: EdgeOrder | undefined;
  /** Explain this output alone; default: the whole prediction vector. */
  readonly output?: number | undefined;
  readonly permutations?: number | undefined;
  readonly seed?: number | undefined;
  readonly alpha?: number | undefined;
  /** Class threshold for a single output per step; default 0.5 when every value is in [0, 1]. */
  readonly threshold?: number | undefined;
  /** Class predicted on the unedited source image, when it is not the first step of the path. */
  readonly sourceClass?: number | undefined;
}

/** Defaults of the measurement (the paper's K and alpha; a fixed, recorded seed). */
export const MEASURE_DEFAULTS = {
  permutations: 10_000,
  seed: 0,
  alpha: 0.01,
  edgeOrder: 1,
} as const;

/**
 * Upper bounds of the measurement, checked before any work: the shuffle test keeps one number
 * per permutation, and K = 10^6 already resolves p to 10^-6 (the paper uses 10^4).
 */
export const MEASURE_LIMITS = {
  permutations: 1_000_000,
} as const;

// The largest statistic the shuffle test can square and sum over 10^6 permutations in doubles.
const SAFE_STATISTIC = 1e150;

/** Everything measured on one path. */
export interface MeasureResult {
  readonly steps: number;
  readonly outputs: number;
  readonly axis: 'strength' | 'index';
  readonly periodic: boolean;
  readonly period: number | null;
  readonly edgeOrder: EdgeOrder;
  readonly statistic: Statistic;
  readonly strengths: readonly number[];
  readonly t: readonly number[];
  /** The EPGM the test is about: one output's, or the whole vector's. */
  readonly epgm: number;
  readonly epgmPerOutput: readonly number[];
  readonly totalVariation: number;
  readonly totalVariationPerOutput: readonly number[];
  /** dy/dt at every step, N rows by C outputs. */
  readonly gradient: Matrix;
  readonly test: PermutationTest;
  /** null for a single score with no threshold to read a class from. */
  readonly flips: FlipReport | null;
  readonly warnings: readonly string[];
}

/** A path analysed up to the shuffle test, which the caller may run elsewhere (workers). */
export interface Analysis {
  readonly grid: Grid;
  readonly y: Matrix;
  readonly statistic: Statistic;
  readonly edgeOrder: EdgeOrder;
  readonly gradient: Matrix;
  readonly prepared: PreparedStatistic;
  readonly testOptions: PermutationOptions;
  readonly partial: Omit<MeasureResult, 'test' | 'warnings'>;
  readonly warnings: readonly string[];
}

/** Measures one path on this thread. */
export function measure(input: MeasureInput, options: MeasureOptions = {}): MeasureResult {
  const analysis = analyse(input, options);
  return complete(analysis, permutationTest(analysis.prepared, analysis.testOptions));
}

/** Validates the input and computes everything but the shuffle test. */
export function analyse(input: MeasureInput, options: MeasureOptions = {}): Analysis {
  const y = toMatrix(input.predictions);
  const grid = makeGrid(y.rows, input.strengths, {
    legacy: options.legacy,
    period: options.period,
  });
  const edgeOrder = checkEdgeOrder(options.edgeOrder ?? MEASURE_DEFAULTS.edgeOrder);
  const testOptions: PermutationOptions = {
    permutations: options.permutations ?? MEASURE_DEFAULTS.permutations,
    seed: options.seed ?? MEASURE_DEFAULTS.seed,
    alpha: options.alpha ?? MEASURE_DEFAULTS.alpha,
  };
  checkTestOptions(testOptions);
  const statistic = chooseStatistic(y, options.output);
  const stencil = makeStencil(grid, edgeOrder);
  checkScale(y, stencil);
  const gradient = propertyGradient(y, stencil);
  const perOutput = epgmPerOutput(gradient);
  const tvPerOutput = totalVariationPerOutput(y, grid.periodic);
  const tested = statistic.kind === 'output' ? column(y, statistic.output) : y;
  const scale = statistic.kind === 'output' ? 1 / y.rows : 1 / (2 * y.rows);
  const epgm =
    statistic.kind === 'output' ? at(perOutput, statistic.output) : aggregateEpgm(gradient);
  const totalVariation = reduce(tvPerOutput, statistic);
  const warnings: string[] = [];
  const flips = readFlips(y, grid, options, warnings);
  noteShape(y, grid, statistic, epgm, totalVariation, warnings);
  return {
    grid,
    y,
    statistic,
    edgeOrder,
    gradient,
    prepared: prepareStatistic(tested, stencil, scale),
    testOptions,
    warnings,
    partial: {
      steps: y.rows,
      outputs: y.cols,
      axis: grid.legacy ? 'index' : 'strength',
      periodic: grid.periodic,
      period: options.period ?? null,
      edgeOrder,
      statistic,
      strengths: Array.from(grid.strengths),
      t: Array.from(grid.t),
      epgm,
      epgmPerOutput: Array.from(perOutput),
      totalVariation,
      totalVariationPerOutput: Array.from(tvPerOutput),
      gradient,
      flips,
    },
  };
}

/** Joins an analysis with its shuffle test, adding what the test says about its own power. */
export function complete(analysis: Analysis, test: PermutationTest): MeasureResult {
  // checkScale rules this out; a p of 0 or an infinite null would break the test's contract.
  if (!(test.pValue > 0) || !Number.isFinite(test.nullMean) || !Number.isFinite(test.nullSd)) {
    throw new MeasureInputError(
      'the shuffle test overflowed double precision on these predictions. Rescale them (probabilities or logits of a few units).',
    );
  }
  const warnings = [...analysis.warnings];
  if (test.minAchievableP > test.alpha) {
    const n = analysis.y.rows;
    warnings.push(
      test.exact
        ? `With ${n} steps the shuffle test cannot reach alpha = ${test.alpha}: the smallest possible p-value over all ${test.permutations} orders is ${format(test.minAchievableP)}${analysis.grid.uniform ? ' (on evenly spaced steps the reversed path always ties with the observed one)' : ''}. Use more steps.`
        : `With ${test.permutations} permutations the smallest possible p-value is 1/${test.permutations + 1} = ${format(test.minAchievableP)}, above alpha = ${test.alpha}. Use at least ${Math.ceil(1 / test.alpha) - 1} permutations.`,
    );
  }
  return { ...analysis.partial, test, warnings };
}

/**
 * Refuses shuffle-test options that the test cannot use (kind, range, and the permutations bound):
 * callers about to edit and infer check them first, so a bad value fails before any work.
 */
export function checkTestOptions(options: PermutationOptions): void {
  checkPermutationOptions(options);
  const { permutations } = options;
  if (permutations > MEASURE_LIMITS.permutations) {
    throw new MeasureInputError(
      `permutations must be at most ${MEASURE_LIMITS.permutations.toLocaleString('en-US')}, got ${String(permutations)}: the test keeps one number per permutation, and 10^6 resolve p to 10^-6 (the paper uses 10000).`,
    );
  }
}

/**
 * Refuses predictions and strengths whose differences could overflow doubles anywhere in the
 * gradient or the shuffle test (|g| <= sum |coef| * max |y| for every order of the rows), so that
 * EPGM, the null distribution and p are always finite numbers.
 */
function checkScale(y: Matrix, stencil: Stencil): void {
  let maxAbs = 0;
  for (const v of y.data) maxAbs = Math.max(maxAbs, Math.abs(v));
  let maxWeight = 0;
  for (const row of stencil.rows) {
    let sum = 0;
    for (const c of row.coef) sum += Math.abs(c);
    maxWeight = Math.max(maxWeight, sum);
  }
  if (!(maxWeight <= SAFE_STATISTIC)) {
    throw new MeasureInputError(
      'two neighbouring strengths nearly coincide: their finite-difference weights overflow double precision. Drop one of them, or rescale the strengths.',
    );
  }
  const bound = y.rows * y.cols * maxWeight * maxAbs;
  if (!(bound <= SAFE_STATISTIC)) {
    throw new MeasureInputError(
      `the predictions (up to ${format(maxAbs)} in magnitude) are too large: the gradient or the shuffle test would overflow double precision. Rescale them (probabilities, or logits of a few units).`,
    );
  }
}

/** Options may come from JSON: check what the types promise. */
function checkEdgeOrder(order: number): EdgeOrder {
  if (order !== 1 && order !== 2)
    throw new MeasureInputError(`edge order must be 1 or 2, got ${String(order)}.`);
  return order;
}

function chooseStatistic(y: Matrix, output: number | undefined): Statistic {
  if (output === undefined)
    return y.cols === 1 ? { kind: 'output', output: 0 } : { kind: 'aggregate' };
  if (!Number.isInteger(output) || output < 0 || output >= y.cols) {
    throw new MeasureInputError(
      `output ${String(output)} does not exist: the predictions have ${y.cols} output${y.cols === 1 ? '' : 's'} (0 to ${y.cols - 1}).`,
    );
  }
  return { kind: 'output', output };
}

function readFlips(
  y: Matrix,
  grid: Grid,
  options: MeasureOptions,
  warnings: string[],
): FlipReport | null {
  let threshold = options.threshold;
  if (y.cols === 1 && threshold === undefined) {
    if (!y.data.every((v) => v >= 0 && v <= 1)) {
      warnings.push(
        'A single score outside [0, 1] has no natural class boundary: give a threshold to count prediction flips.',
      );
      return null;
    }
    threshold = 0.5;
  }
  return predictionFlips(y, grid, { sourceClass: options.sourceClass, threshold });
}

function noteShape(
  y: Matrix,
  grid: Grid,
  statistic: Statistic,
  epgm: number,
  totalVariation: number,
  warnings: string[],
): void {
  if (totalVariation === 0) {
    warnings.push(
      'The predictions do not change along the path: EPGM is 0 and the shuffle test gives p = 1.',
    );
    return;
  }
  // Over t in [0, 1] the mean |dy/dt| of a smooth path is about its total variation; far more
  // variation than gradient means the path zigzags between neighbouring steps.
  const span = grid.legacy ? grid.spacing.length : 1;
  const explained = epgm * span;
  if (totalVariation > 3 * explained && totalVariation > 1e-6) {
    warnings.push(
      `The predictions oscillate between neighbouring steps: the total variation (${format(totalVariation)}) is ${format(totalVariation / Math.max(explained, Number.MIN_VALUE))} times what the property gradient accounts for, and central differences hide such zigzags. Inspect the curve.`,
    );
  }
  if (statistic.kind === 'aggregate') {
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 0; k < y.rows; k++) {
      let sum = 0;
      for (let c = 0; c < y.cols; c++) sum += at(y.data, k * y.cols + c);
      lo = Math.min(lo, sum);
      hi = Math.max(hi, sum);
    }
    if (lo < 0.999 || hi > 1.001 || !y.data.every((v) => v >= 0)) {
      warnings.push(
        `The rows are not probability vectors (they sum to ${format(lo)} to ${format(hi)}): the whole-vector EPGM is then half the L1 change of the outputs, not probability mass moved. Apply softmax, or explain one output.`,
      );
    }
  }
}

function format(x: number): string {
  return Number(x.toPrecision(3)).toString();
}

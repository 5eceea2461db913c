// The measurement engine: pure functions of numbers (shared/METHOD.md), no I/O, no natives, and
// nothing of ours outside this folder. The p-value adjustment across models is src/shared/adjust.ts.
export { aggregateEpgm, epgmPerOutput, totalVariationPerOutput, type Statistic } from './epgm';
export { MeasureInputError } from './errors';
export { predictionFlips, type Flip, type FlipReport } from './flips';
export { makeStencil, propertyGradient, type EdgeOrder, type Stencil } from './gradient';
export { makeGrid, type Grid } from './grid';
export { toMatrix, toRows, type Matrix } from './matrix';
export {
  analyse,
  checkTestOptions,
  complete,
  measure,
  MEASURE_DEFAULTS,
  MEASURE_LIMITS,
} from './measure';
export type { Analysis, MeasureInput, MeasureOptions, MeasureResult } from './measure';
export { permutationTest, type PermutationOptions, type PermutationTest } from './permutation';
export { Rng } from './rng';

// The measurement engine: pure functions of numbers (shared/METHOD.md), no I/O, no natives.
export { adjustPValues, benjaminiHochberg, holm, type Adjustment } from '../../shared/adjust';
export { aggregateEpgm, epgmPerOutput, totalVariationPerOutput, type Statistic } from './epgm';
export { MeasureInputError } from './errors';
export { predictionFlips, type Flip, type FlipReport } from './flips';
export { makeStencil, propertyGradient, type EdgeOrder, type Stencil } from './gradient';
export { makeGrid, type Grid } from './grid';
export { toMatrix, toRows, type Matrix } from './matrix';
export { analyse, complete, measure, MEASURE_DEFAULTS } from './measure';
export type { Analysis, MeasureInput, MeasureOptions, MeasureResult } from './measure';
export { permutationTest, type PermutationOptions, type PermutationTest } from './permutation';
export { Rng } from './rng';

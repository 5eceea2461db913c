import { at } from './grid';
import type { Matrix } from './matrix';

/**
 * What the reported EPGM (and so the shuffle test's statistic) summarises: one output, or the
 * whole prediction vector.
 */
export type Statistic =
  { readonly kind: 'aggregate' } | { readonly kind: 'output'; readonly output: number };

/** EPGM_c = (1/N) sum_k |g_kc| for every output c (the paper's formula). */
export function epgmPerOutput(g: Matrix): Float64Array {
  const out = new Float64Array(g.cols);
  for (let k = 0; k < g.rows; k++) {
    for (let c = 0; c < g.cols; c++) out[c] = at(out, c) + Math.abs(at(g.data, k * g.cols + c));
  }
  for (let c = 0; c < g.cols; c++) out[c] = at(out, c) / g.rows;
  return out;
}

/**
 * EPGM of the whole prediction vector: (1/N) sum_k (1/2) sum_c |g_kc|, the probability mass moved
 * per unit strength. For two softmax classes it equals the EPGM of either class.
 */
export function aggregateEpgm(g: Matrix): number {
  let sum = 0;
  for (let i = 0; i < g.data.length; i++) sum += Math.abs(at(g.data, i));
  return sum / (2 * g.rows);
}

/**
 * Total variation along the path, sum_k |y_{k+1} - y_k| per output (and across the seam of a
 * periodic path). Central differences skip the middle sample, so they are blind to step-to-step
 * oscillation; total variation is not.
 */
export function totalVariationPerOutput(y: Matrix, periodic: boolean): Float64Array {
  const out = new Float64Array(y.cols);
  const steps = periodic ? y.rows : y.rows - 1;
  for (let k = 0; k < steps; k++) {
    const next = ((k + 1) % y.rows) * y.cols;
    for (let c = 0; c < y.cols; c++) {
      out[c] = at(out, c) + Math.abs(at(y.data, next + c) - at(y.data, k * y.cols + c));
    }
  }
  return out;
}

/** The statistic's value from per-output sums: one output as is, the whole vector halved. */
export function reduce(perOutput: Float64Array, statistic: Statistic): number {
  if (statistic.kind === 'output') return at(perOutput, statistic.output);
  let sum = 0;
  for (const v of perOutput) sum += v;
  return sum / 2;
}

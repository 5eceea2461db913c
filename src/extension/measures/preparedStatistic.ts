// The statistic S (an EPGM) of the permutation test, prepared once and re-evaluated under many
// orderings of the path's rows by the same arithmetic as the WebAssembly kernel.
import type { Stencil } from './gradient';
import type { Matrix } from './matrix';
import { identity } from './shuffle';

/**
 * The statistic S (an EPGM) ready to be re-evaluated under many orderings of the path's rows.
 * Only the order of the prediction rows is shuffled; the grid, and so the stencil, stays fixed.
 */
export interface PreparedStatistic {
  readonly n: number;
  readonly cols: number;
  readonly data: Float64Array;
  readonly stencil: Stencil;
  /** 1/N for one output, 1/(2N) for the whole probability vector. */
  readonly scale: number;
  /**
   * L1 distances between every two rows when the stencil has two-term rows and several outputs:
   * an evenly spaced path then costs one look-up per step and permutation, whatever the outputs.
   */
  readonly distances: Float64Array | null;
}

/** Largest path whose N x N row-distance table is built (32 MiB). */
const MAX_DISTANCE_TABLE_STEPS = 2048;

/** Prepares y (the statistic's columns) for the test; `scale` turns the sum into the EPGM. */
export function prepareStatistic(y: Matrix, stencil: Stencil, scale: number): PreparedStatistic {
  const { rows: n, cols, data } = y;
  const { kernel } = stencil;
  const pairRows = kernel.centralTo - kernel.centralFrom + kernel.pairWeight.length;
  const useTable = cols > 1 && pairRows > 0 && n <= MAX_DISTANCE_TABLE_STEPS;
  return { n, cols, data, stencil, scale, distances: useTable ? rowDistances(y) : null };
}

/** S on the path in its own order, by the same arithmetic as every permuted S. */
export function observedStatistic(prep: PreparedStatistic): number {
  return evaluate(prep, identity(prep.n), new Float64Array(prep.n));
}

/** The statistic with row k of the path taken from row perm[k]; `values` is scratch space. */
export function evaluate(prep: PreparedStatistic, perm: Int32Array, values: Float64Array): number {
  if (prep.cols !== 1) return evaluateIndexed(prep, perm);
  // One output: gather the values once, then difference a contiguous array.
  const data = prep.data;
  for (let k = 0; k < perm.length; k++) values[k] = data[perm[k] as number] as number;
  return evaluateScalar(prep, values);
}

/** sum_k |g_k| * scale for one output whose values are already in the order to evaluate. */
export function evaluateScalar(prep: PreparedStatistic, v: Float64Array): number {
  const { centralFrom, centralTo, centralWeight, pairPos, pairWeight, triplePos, tripleCoef } =
    prep.stencil.kernel;
  // Two interleaved partial sums (steps from, from + 2, ... and from + 1, ...), as the kernel's
  // SIMD lanes add them.
  let even = 0;
  let odd = 0;
  let k = centralFrom;
  for (; k + 1 < centralTo; k += 2) {
    even += Math.abs((v[k + 1] as number) - (v[k - 1] as number));
    odd += Math.abs((v[k + 2] as number) - (v[k] as number));
  }
  if (k < centralTo) even += Math.abs((v[k + 1] as number) - (v[k - 1] as number));
  let sum = (even + odd) * centralWeight;
  for (let r = 0; r < pairWeight.length; r++) {
    const i = pairPos[2 * r] as number;
    const j = pairPos[2 * r + 1] as number;
    sum += (pairWeight[r] as number) * Math.abs((v[j] as number) - (v[i] as number));
  }
  for (let q = 0; q < tripleCoef.length; q += 3) {
    sum += Math.abs(
      (tripleCoef[q] as number) * (v[triplePos[q] as number] as number) +
        (tripleCoef[q + 1] as number) * (v[triplePos[q + 1] as number] as number) +
        (tripleCoef[q + 2] as number) * (v[triplePos[q + 2] as number] as number),
    );
  }
  return sum * prep.scale;
}

/** sum_k sum_c |g_kc| * scale with row k of the path taken from row perm[k] of the data. */
export function evaluateIndexed(prep: PreparedStatistic, perm: Int32Array): number {
  const { centralFrom, centralTo, centralWeight, pairPos, pairWeight, triplePos, tripleCoef } =
    prep.stencil.kernel;
  let central = 0;
  for (let k = centralFrom; k < centralTo; k++) {
    central += rowDistance(prep, perm[k - 1] as number, perm[k + 1] as number);
  }
  let sum = central * centralWeight;
  for (let r = 0; r < pairWeight.length; r++) {
    const i = perm[pairPos[2 * r] as number] as number;
    const j = perm[pairPos[2 * r + 1] as number] as number;
    sum += (pairWeight[r] as number) * rowDistance(prep, i, j);
  }
  const { cols, data } = prep;
  for (let q = 0; q < tripleCoef.length; q += 3) {
    const r0 = (perm[triplePos[q] as number] as number) * cols;
    const r1 = (perm[triplePos[q + 1] as number] as number) * cols;
    const r2 = (perm[triplePos[q + 2] as number] as number) * cols;
    const c0 = tripleCoef[q] as number;
    const c1 = tripleCoef[q + 1] as number;
    const c2 = tripleCoef[q + 2] as number;
    // Two interleaved partial sums (even and odd columns), the order of the kernel's SIMD lanes.
    let even = 0;
    let odd = 0;
    let c = 0;
    for (; c + 1 < cols; c += 2) {
      even += Math.abs(
        c0 * (data[r0 + c] as number) +
          c1 * (data[r1 + c] as number) +
          c2 * (data[r2 + c] as number),
      );
      odd += Math.abs(
        c0 * (data[r0 + c + 1] as number) +
          c1 * (data[r1 + c + 1] as number) +
          c2 * (data[r2 + c + 1] as number),
      );
    }
    if (c < cols) {
      even += Math.abs(
        c0 * (data[r0 + c] as number) +
          c1 * (data[r1 + c] as number) +
          c2 * (data[r2 + c] as number),
      );
    }
    sum += even + odd;
  }
  return sum * prep.scale;
}

/**
 * sum_c |y_ic - y_jc|, from the table when there is one, otherwise in two interleaved partial sums
 * (even and odd columns) as the kernel's SIMD lanes add them.
 */
function rowDistance(prep: PreparedStatistic, i: number, j: number): number {
  const { distances, cols, data } = prep;
  if (distances !== null) return distances[i * prep.n + j] as number;
  const ri = i * cols;
  const rj = j * cols;
  let even = 0;
  let odd = 0;
  let c = 0;
  for (; c + 1 < cols; c += 2) {
    even += Math.abs((data[rj + c] as number) - (data[ri + c] as number));
    odd += Math.abs((data[rj + c + 1] as number) - (data[ri + c + 1] as number));
  }
  if (c < cols) even += Math.abs((data[rj + c] as number) - (data[ri + c] as number));
  return even + odd;
}

/** D[i][j] = sum_c |y_ic - y_jc|, symmetric with a zero diagonal. */
function rowDistances(y: Matrix): Float64Array {
  const { rows: n, cols, data } = y;
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let c = 0; c < cols; c++)
        s += Math.abs((data[i * cols + c] as number) - (data[j * cols + c] as number));
      d[i * n + j] = s;
      d[j * n + i] = s;
    }
  }
  return d;
}

import { MeasureInputError } from './errors';
import type { Stencil } from './gradient';
import { at } from './grid';
import { KERNEL_MAX_COUNT, loadKernel, releaseKernel } from './kernel/kernel';
import type { Matrix } from './matrix';
import { MAX_BELOW, Rng } from './rng';

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

/** Result of the shuffle (permutation) test of shared/METHOD.md. */
export interface PermutationTest {
  /** S_obs, the statistic on the path as edited. */
  readonly statistic: number;
  /** (b + 1) / (K + 1): a valid p-value, never 0 (b / N! when every order was enumerated). */
  readonly pValue: number;
  /** b / K, what the reference implementation prints (can be 0). */
  readonly pValueLegacy: number;
  readonly nullMean: number;
  readonly nullSd: number;
  /** K sampled orders, or N! when exact. */
  readonly permutations: number;
  readonly exact: boolean;
  readonly seed: number;
  readonly alpha: number;
  /** b = #{ j : |S_j - m| >= |S_obs - m| }. */
  readonly exceedances: number;
  /** The smallest p-value this test could give with this N and K. */
  readonly minAchievableP: number;
  readonly significant: boolean;
  /** 'smoother': S_obs below the null mean (serial structure, the usual case for a real effect). */
  readonly direction: 'smoother' | 'rougher' | 'neither';
}

/** Options of the shuffle test. */
export interface PermutationOptions {
  readonly permutations: number;
  readonly seed: number;
  readonly alpha: number;
}

/** Permutations per independently seeded chunk; fixed so results never depend on thread count. */
export const CHUNK_SIZE = 1024;

/** Largest path whose N x N row-distance table is built (32 MiB). */
const MAX_DISTANCE_TABLE_STEPS = 2048;

/**
 * Rounding in a different summation order must not turn a tie (the reversed path of an evenly
 * spaced grid has exactly the same statistic) into a strict win or loss.
 */
const TIE_TOLERANCE = 1e-9;

/** Prepares y (the statistic's columns) for the test; `scale` turns the sum into the EPGM. */
export function prepareStatistic(y: Matrix, stencil: Stencil, scale: number): PreparedStatistic {
  const { rows: n, cols, data } = y;
  const { kernel } = stencil;
  const pairRows = kernel.centralTo - kernel.centralFrom + kernel.pairWeight.length;
  const useTable = cols > 1 && pairRows > 0 && n <= MAX_DISTANCE_TABLE_STEPS;
  return { n, cols, data, stencil, scale, distances: useTable ? rowDistances(y) : null };
}

/** Validates the test options, with a message saying what to give instead. */
export function checkPermutationOptions(options: PermutationOptions): void {
  const { permutations, seed, alpha } = options;
  if (!Number.isInteger(permutations) || permutations < 1) {
    throw new MeasureInputError(
      `permutations must be a whole number >= 1, got ${String(permutations)}; the paper uses 10000.`,
    );
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new MeasureInputError(
      `seed must be a whole number from 0 to 4294967295, got ${String(seed)}.`,
    );
  }
  if (!(alpha > 0 && alpha < 1)) {
    throw new MeasureInputError(
      `alpha must lie strictly between 0 and 1, got ${String(alpha)}; the paper uses 0.01.`,
    );
  }
}

/** Whether the test enumerates all N! orders (when N! <= K) instead of sampling K of them. */
export function isExact(n: number, permutations: number): boolean {
  let f = 1;
  for (let k = 2; k <= n; k++) {
    f *= k;
    if (f > permutations) return false;
  }
  return true;
}

/** Runs the whole test on one thread. */
export function permutationTest(
  prep: PreparedStatistic,
  options: PermutationOptions,
): PermutationTest {
  checkPermutationOptions(options);
  const exact = isExact(prep.n, options.permutations);
  const nullStats = exact
    ? enumerateNull(prep)
    : sampleNull(prep, options.permutations, options.seed);
  return summarizeNull(observedStatistic(prep), nullStats, exact, options);
}

/** S on the path in its own order, by the same arithmetic as every permuted S. */
export function observedStatistic(prep: PreparedStatistic): number {
  return evaluate(prep, identity(prep.n), new Float64Array(prep.n));
}

/** K statistics of uniformly random orders, chunk by chunk. */
export function sampleNull(
  prep: PreparedStatistic,
  permutations: number,
  seed: number,
): Float64Array {
  const out = new Float64Array(permutations);
  try {
    for (let chunk = 0; chunk * CHUNK_SIZE < permutations; chunk++) {
      sampleNullChunk(
        prep,
        seed,
        chunk,
        Math.min(CHUNK_SIZE, permutations - chunk * CHUNK_SIZE),
        out,
        chunk * CHUNK_SIZE,
      );
    }
  } finally {
    releaseKernel();
  }
  return out;
}

/**
 * `count` statistics of random orders from chunk number `chunk`, whose generator is seeded by
 * (seed, chunk) alone: any worker can compute any chunk and the results are the same. Runs in the
 * WebAssembly kernel (kernel/permutation.wat) when it can, which gives exactly the numbers of
 * sampleNullChunkReference about four times faster.
 */
export function sampleNullChunk(
  prep: PreparedStatistic,
  seed: number,
  chunk: number,
  count: number,
  out: Float64Array,
  offset: number,
): void {
  checkShuffleSize(prep.n);
  const kernel = count <= KERNEL_MAX_COUNT ? loadKernel(prep) : null;
  if (kernel !== null) kernel.sample(seed, chunk, count, out, offset);
  else sampleNullChunkReference(prep, seed, chunk, count, out, offset);
}

/** sampleNullChunk in TypeScript: the readable definition, and the fallback without WebAssembly. */
export function sampleNullChunkReference(
  prep: PreparedStatistic,
  seed: number,
  chunk: number,
  count: number,
  out: Float64Array,
  offset: number,
): void {
  checkShuffleSize(prep.n);
  const rng = new Rng(seed, chunk);
  // Each shuffle starts from the previous order: a shuffle of a shuffled order is uniform too.
  if (prep.cols === 1) {
    // One output: shuffle the values themselves, no gather through a permutation.
    const values = Float64Array.from(prep.data);
    for (let p = 0; p < count; p++) {
      shuffle(values, rng);
      out[offset + p] = evaluateScalar(prep, values);
    }
    return;
  }
  const perm = identity(prep.n);
  for (let p = 0; p < count; p++) {
    shuffle(perm, rng);
    out[offset + p] = evaluateIndexed(prep, perm);
  }
}

function checkShuffleSize(n: number): void {
  if (n > MAX_BELOW)
    throw new MeasureInputError(`the path has ${n} steps; at most ${MAX_BELOW} can be shuffled.`);
}

/**
 * Fisher-Yates with several indices per random number (Brackett-Rozinsky & Lemire 2024, "Batched
 * ranged random integer generation"): one 32-bit draw r gives the index for position i as
 * floor(r (i+1) / 2^32); the low word of that product, scaled by i, gives the next index, and so
 * on while the product of the ranges fits in 32 bits. A rare rejection keeps every batch exactly
 * uniform. Multiplications only: an integer division per index would cost more than the draw.
 */
function shuffle(a: Int32Array | Float64Array, rng: Rng): void {
  let i = a.length - 1;
  // Three indices per draw while (i+1) i (i-1) <= 2^32 (paths up to 1,625 steps).
  while (i >= 3 && (i + 1) * i * (i - 1) <= TWO_TO_32) {
    const bound = (i + 1) * i * (i - 1);
    let m1: number;
    let m2: number;
    let m3: number;
    let low: number;
    do {
      m1 = rng.nextUint32() * (i + 1);
      m2 = (m1 >>> 0) * i;
      m3 = (m2 >>> 0) * (i - 1);
      low = m3 >>> 0;
    } while (low < bound && low < (TWO_TO_32 - bound) % bound);
    swap(a, i, (m1 - (m1 >>> 0)) * TWO_TO_MINUS_32);
    swap(a, i - 1, (m2 - (m2 >>> 0)) * TWO_TO_MINUS_32);
    swap(a, i - 2, (m3 - low) * TWO_TO_MINUS_32);
    i -= 3;
  }
  // Two per draw while (i+1) i fits (and (i+1) stays below 2^21, so r (i+1) is exact).
  while (i >= 2 && i < MAX_BELOW && (i + 1) * i <= TWO_TO_32) {
    const bound = (i + 1) * i;
    let m1: number;
    let m2: number;
    let low: number;
    do {
      m1 = rng.nextUint32() * (i + 1);
      m2 = (m1 >>> 0) * i;
      low = m2 >>> 0;
    } while (low < bound && low < (TWO_TO_32 - bound) % bound);
    swap(a, i, (m1 - (m1 >>> 0)) * TWO_TO_MINUS_32);
    swap(a, i - 1, (m2 - low) * TWO_TO_MINUS_32);
    i -= 2;
  }
  for (; i > 0; i--) swap(a, i, rng.nextBelow(i + 1));
}

function swap(a: Int32Array | Float64Array, i: number, j: number): void {
  const tmp = a[i] as number;
  a[i] = a[j] as number;
  a[j] = tmp;
}

const TWO_TO_32 = 4294967296;
const TWO_TO_MINUS_32 = 1 / 4294967296;

/** The order 0, 1, ..., n - 1. */
function identity(n: number): Int32Array {
  const perm = new Int32Array(n);
  for (let k = 0; k < n; k++) perm[k] = k;
  return perm;
}

/** The statistic of every one of the N! orders (Heap's algorithm), the identity included. */
export function enumerateNull(prep: PreparedStatistic): Float64Array {
  const n = prep.n;
  let total = 1;
  for (let k = 2; k <= n; k++) total *= k;
  const out = new Float64Array(total);
  const perm = identity(n);
  const values = new Float64Array(n);
  const counters = new Int32Array(n);
  let produced = 0;
  out[produced++] = evaluate(prep, perm, values);
  let i = 1;
  while (i < n) {
    const ci = at(counters, i);
    if (ci < i) {
      const j = i % 2 === 0 ? 0 : ci;
      const tmp = at(perm, j);
      perm[j] = at(perm, i);
      perm[i] = tmp;
      out[produced++] = evaluate(prep, perm, values);
      counters[i] = ci + 1;
      i = 1;
    } else {
      counters[i] = 0;
      i++;
    }
  }
  return out;
}

/**
 * Two-sided p-value around the null mean m: b counts the orders whose statistic lies at least as
 * far from m as the observed one. ">=" makes a constant prediction give p = 1; (b + 1) / (K + 1)
 * counts the observed order among the random ones, so p is never 0 (Phipson & Smyth 2010).
 */
export function summarizeNull(
  observed: number,
  nullStats: Float64Array,
  exact: boolean,
  options: PermutationOptions,
): PermutationTest {
  const count = nullStats.length;
  let mean = 0;
  for (let j = 0; j < count; j++) mean += at(nullStats, j);
  mean /= count;
  let variance = 0;
  let maxDeviation = 0;
  for (let j = 0; j < count; j++) {
    const d = at(nullStats, j) - mean;
    variance += d * d;
    maxDeviation = Math.max(maxDeviation, Math.abs(d));
  }
  const tolerance = TIE_TOLERANCE * Math.max(Math.abs(observed), Math.abs(mean));
  const observedDeviation = Math.abs(observed - mean) - tolerance;
  let b = 0;
  let extreme = 0;
  for (let j = 0; j < count; j++) {
    const d = Math.abs(at(nullStats, j) - mean);
    if (d >= observedDeviation) b++;
    if (d >= maxDeviation - tolerance) extreme++;
  }
  const pValue = exact ? b / count : (b + 1) / (count + 1);
  const gap = observed - mean;
  return {
    statistic: observed,
    pValue,
    pValueLegacy: b / count,
    nullMean: mean,
    nullSd: Math.sqrt(variance / count),
    permutations: count,
    exact,
    seed: options.seed,
    alpha: options.alpha,
    exceedances: b,
    minAchievableP: exact ? extreme / count : 1 / (count + 1),
    significant: pValue <= options.alpha,
    direction: Math.abs(gap) <= tolerance ? 'neither' : gap < 0 ? 'smoother' : 'rougher',
  };
}

/** The statistic with row k of the path taken from row perm[k]; `values` is scratch space. */
function evaluate(prep: PreparedStatistic, perm: Int32Array, values: Float64Array): number {
  if (prep.cols !== 1) return evaluateIndexed(prep, perm);
  // One output: gather the values once, then difference a contiguous array.
  const data = prep.data;
  for (let k = 0; k < perm.length; k++) values[k] = data[perm[k] as number] as number;
  return evaluateScalar(prep, values);
}

/** sum_k |g_k| * scale for one output whose values are already in the order to evaluate. */
function evaluateScalar(prep: PreparedStatistic, v: Float64Array): number {
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
function evaluateIndexed(prep: PreparedStatistic, perm: Int32Array): number {
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

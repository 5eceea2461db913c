// The shuffle (permutation) test of shared/METHOD.md: its options, whether it enumerates every
// order, and the p-value from the observed statistic and its null distribution.
import { MeasureInputError } from './errors';
import { at } from './grid';
import { enumerateNull, sampleNull } from './nullDistribution';
import { observedStatistic, type PreparedStatistic } from './preparedStatistic';

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

/**
 * Rounding in a different summation order must not turn a tie (the reversed path of an evenly
 * spaced grid has exactly the same statistic) into a strict win or loss.
 */
const TIE_TOLERANCE = 1e-9;

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

import { MeasureInputError } from './errors';

/** How the path's positions are measured. */
export interface AxisOptions {
  /**
   * Differentiate with respect to the sample index, as the reference implementation does
   * (published values are legacy values). Default: the normalised strength t in [0, 1].
   */
  readonly legacy?: boolean | undefined;
  /** Period of a periodic property (an angle: 360 or 2*pi), in the strengths' units. */
  readonly period?: number | undefined;
}

/** The positions of the N steps on the property axis. */
export interface Grid {
  readonly n: number;
  /** The editor's strengths s_k, as given (the index k when none were given). */
  readonly strengths: Float64Array;
  /** Position used for differentiation: normalised strength t_k, or the index k in legacy mode. */
  readonly t: Float64Array;
  /**
   * spacing[k] = t_{k+1} - t_k; a periodic grid has one more entry, the step across the seam from
   * the last sample back to the first (taken modulo the period).
   */
  readonly spacing: Float64Array;
  readonly periodic: boolean;
  /** All spacings equal (within 1e-9 relative); they are then stored exactly equal. */
  readonly uniform: boolean;
  readonly legacy: boolean;
}

const UNIFORM_TOLERANCE = 1e-9;

/**
 * Builds the grid for `n` steps from the editor's strengths (or the index when none are given),
 * refusing too few steps, mismatched lengths, non-finite, duplicate or decreasing strengths, and a
 * periodic path that repeats its first point.
 */
export function makeGrid(
  n: number,
  strengths: ArrayLike<unknown> | undefined,
  options: AxisOptions = {},
): Grid {
  if (n < 3) {
    throw new MeasureInputError(`the path has ${n} steps; the property gradient needs at least 3.`);
  }
  const period = options.period;
  const periodic = period !== undefined;
  if (periodic && !(Number.isFinite(period) && period > 0)) {
    throw new MeasureInputError(`period must be a positive finite number, got ${String(period)}.`);
  }
  const s = readStrengths(n, strengths, period);
  const rawSpacing = new Float64Array(periodic ? n : n - 1);
  for (let k = 0; k + 1 < n; k++) rawSpacing[k] = at(s, k + 1) - at(s, k);
  if (periodic) {
    const seam = at(s, 0) + period - at(s, n - 1);
    if (!(seam > 0)) {
      throw new MeasureInputError(
        `strengths span ${at(s, n - 1) - at(s, 0)}, which is not less than the period ${period}: a periodic path must not repeat its first point. Drop the last strength if it equals the first plus the period.`,
      );
    }
    rawSpacing[n - 1] = seam;
  }
  // Finite strengths can still be more than the largest double apart.
  if (!rawSpacing.every(Number.isFinite) || !Number.isFinite(at(s, n - 1) - at(s, 0))) {
    throw new MeasureInputError(
      `strengths span ${at(s, 0)} to ${at(s, n - 1)}, more than double precision can hold. Rescale them (any unit works: EPGM uses the normalised strength).`,
    );
  }
  const uniform = isUniform(rawSpacing);
  const legacy = options.legacy === true;
  // Normalised units: t in [0, 1] along an open path; one period = 1 around a closed one.
  const total = periodic ? period : at(s, n - 1) - at(s, 0);
  const spacing = new Float64Array(rawSpacing.length);
  const t = new Float64Array(n);
  if (legacy || uniform) {
    const h = legacy ? 1 : 1 / rawSpacing.length;
    spacing.fill(h);
    for (let k = 0; k < n; k++) t[k] = k * h;
  } else {
    for (let k = 0; k < rawSpacing.length; k++) spacing[k] = at(rawSpacing, k) / total;
    for (let k = 0; k < n; k++) t[k] = (at(s, k) - at(s, 0)) / total;
  }
  return { n, strengths: s, t, spacing, periodic, uniform: legacy || uniform, legacy };
}

function readStrengths(
  n: number,
  strengths: ArrayLike<unknown> | undefined,
  period: number | undefined,
): Float64Array {
  const s = new Float64Array(n);
  if (strengths === undefined) {
    // A periodic path with no strengths is taken as evenly spaced around one period.
    for (let k = 0; k < n; k++) s[k] = period === undefined ? k : (k * period) / n;
    return s;
  }
  if (strengths.length !== n) {
    throw new MeasureInputError(
      `strengths has ${strengths.length} values but predictions has ${n} steps; give one strength per step.`,
    );
  }
  for (let k = 0; k < n; k++) {
    const value = strengths[k];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new MeasureInputError(
        `strengths[${k}] is ${String(value)}; strengths must be finite numbers.`,
      );
    }
    s[k] = value;
    if (k > 0 && !(value > at(s, k - 1))) {
      const what = value === at(s, k - 1) ? 'duplicates' : 'is below';
      throw new MeasureInputError(
        `strengths must be strictly increasing: strengths[${k}] = ${value} ${what} strengths[${k - 1}] = ${at(s, k - 1)}. Sort the steps by strength and drop duplicates.`,
      );
    }
  }
  return s;
}

function isUniform(spacing: Float64Array): boolean {
  let mean = 0;
  for (const h of spacing) mean += h;
  mean /= spacing.length;
  for (const h of spacing) if (Math.abs(h - mean) > UNIFORM_TOLERANCE * mean) return false;
  return true;
}

/** Indexed read of a typed array whose bounds the caller has checked. */
export function at(a: ArrayLike<number>, k: number): number {
  return a[k] as number;
}

// The measurement as JSON: the CLI's --json contract, the child's answer and the panel's input.
// snake_case keys, stable across versions; imported by the host and the webview alike.

/** One change of predicted class along the path. */
export interface FlipJson {
  readonly index: number;
  readonly strength: number;
  readonly t: number;
  readonly from: number;
  readonly to: number;
}

/** Everything measured on one path (see shared/METHOD.md for the definitions). */
export interface MeasureJson {
  readonly n_steps: number;
  readonly n_outputs: number;
  readonly labels: readonly string[] | null;
  readonly axis: 'strength' | 'index';
  readonly periodic: boolean;
  readonly period: number | null;
  readonly edge_order: 1 | 2;
  readonly statistic: 'aggregate' | 'output';
  readonly output: number | null;
  readonly strengths: readonly number[];
  readonly t: readonly number[];
  readonly epgm: number;
  readonly epgm_per_output: readonly number[];
  readonly total_variation: number;
  readonly total_variation_per_output: readonly number[];
  readonly p_value: number;
  readonly p_value_legacy: number;
  readonly null_mean: number;
  readonly null_sd: number;
  readonly n_permutations: number;
  readonly exact: boolean;
  readonly exceedances: number;
  readonly min_achievable_p: number;
  readonly seed: number;
  readonly alpha: number;
  readonly significant: boolean;
  readonly direction: 'smoother' | 'rougher' | 'neither';
  readonly flips: number | null;
  readonly flip_strengths: readonly number[] | null;
  readonly flip_details: readonly FlipJson[] | null;
  readonly predicted_classes: readonly number[] | null;
  readonly source_class: number | null;
  readonly source_class_lost: boolean | null;
  readonly warnings: readonly string[];
}

/** Checks the fields the panel reads; anything from a child or a file is untrusted. */
export function isMeasureJson(x: unknown): x is MeasureJson {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  const numbers = (v: unknown): boolean =>
    Array.isArray(v) && v.every((n) => typeof n === 'number');
  return (
    typeof r.n_steps === 'number' &&
    typeof r.n_outputs === 'number' &&
    typeof r.epgm === 'number' &&
    typeof r.p_value === 'number' &&
    typeof r.total_variation === 'number' &&
    typeof r.n_permutations === 'number' &&
    typeof r.significant === 'boolean' &&
    numbers(r.strengths) &&
    numbers(r.epgm_per_output) &&
    (r.flips === null || typeof r.flips === 'number') &&
    Array.isArray(r.warnings) &&
    r.warnings.every((w) => typeof w === 'string')
  );
}

import type { MeasureResult } from '../measures';
import type { MeasureJson } from '../../shared/result';

/** The JSON contract of a measurement (CLI --json, child answers, saved results). */
export function toMeasureJson(
  result: MeasureResult,
  labels: readonly string[] | undefined,
): MeasureJson {
  const { test, flips } = result;
  return {
    n_steps: result.steps,
    n_outputs: result.outputs,
    labels: labels ?? null,
    axis: result.axis,
    periodic: result.periodic,
    period: result.period,
    edge_order: result.edgeOrder,
    statistic: result.statistic.kind,
    output: result.statistic.kind === 'output' ? result.statistic.output : null,
    strengths: result.strengths,
    t: result.t,
    epgm: result.epgm,
    epgm_per_output: result.epgmPerOutput,
    total_variation: result.totalVariation,
    total_variation_per_output: result.totalVariationPerOutput,
    p_value: test.pValue,
    p_value_legacy: test.pValueLegacy,
    null_mean: test.nullMean,
    null_sd: test.nullSd,
    n_permutations: test.permutations,
    exact: test.exact,
    exceedances: test.exceedances,
    min_achievable_p: test.minAchievableP,
    seed: test.seed,
    alpha: test.alpha,
    significant: test.significant,
    direction: test.direction,
    flips: flips?.count ?? null,
    flip_strengths: flips?.flips.map((f) => f.strength) ?? null,
    flip_details: flips?.flips ?? null,
    predicted_classes: flips?.predicted ?? null,
    source_class: flips?.sourceClass ?? null,
    source_class_lost: flips?.sourceClassLost ?? null,
    warnings: result.warnings,
  };
}

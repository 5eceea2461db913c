// The score card of one model as text rows, shared by the panel's cards, its PNG export and the
// HTML report:
// effect size (EPGM), p-value with its test and the adjusted p, the significance verdict at the
// panel's alpha, flips, the source class at both ends, provider and warnings. Pure: runs in Node.
import type { ModelRecord } from './resultFile';
import { adjustPValues, type Adjustment as AdjustmentMethod } from './adjust';
import {
  jumpChange,
  jumpMoved,
  predictionJump,
  seedSpreadDetail,
  seedSpreadText,
} from './editorFacts';
import {
  adjustmentName,
  describeTest,
  formatNumber,
  formatProbability,
  outputName,
} from './format';

/** One labelled line of a score card. */
export interface ScoreRow {
  readonly key: string;
  readonly value: string;
  /** Smaller text after the value (units, how it was computed). */
  readonly detail: string;
}

/** Everything a score card shows for one model. */
export interface ModelScore {
  readonly name: string;
  /** The p-value the verdict uses: adjusted when an adjustment applies, else the raw one. */
  readonly pShown: number;
  readonly significant: boolean;
  /** Significant and at least the effect threshold: a change worth acting on. */
  readonly relevant: boolean;
  /** "significant at α = 0.01 (Holm)" and the like. */
  readonly verdict: string;
  readonly rows: readonly ScoreRow[];
  readonly warnings: readonly string[];
}

/** How the p-values of a panel are adjusted: which method over how many tests. */
export interface AdjustmentContext {
  readonly alpha: number;
  /** EPGM below which a significant change is reported as negligible (shared/METHOD.md). */
  readonly effectThreshold: number;
  readonly method: AdjustmentMethod;
  /** Adjusted p per model, or null per model when no adjustment applies. */
  readonly adjusted: readonly (number | null)[];
}

/** The adjustment that applies: only with two or more models and a method other than 'none'. */
export function adjustmentContext(
  models: readonly ModelRecord[],
  method: AdjustmentMethod,
  alpha: number,
  effectThreshold = 0,
): AdjustmentContext {
  if (models.length < 2 || method === 'none') {
    return { alpha, effectThreshold, method: 'none', adjusted: models.map(() => null) };
  }
  return {
    alpha,
    effectThreshold,
    method,
    // A p outside [0, 1] (a damaged file) counts as 1: the panel still renders.
    adjusted: adjustPValues(
      models.map((m) => (m.measure.p_value >= 0 && m.measure.p_value <= 1 ? m.measure.p_value : 1)),
      method,
    ),
  };
}

/** The score card of model i under the panel's adjustment. */
export function scoreModel(model: ModelRecord, i: number, ctx: AdjustmentContext): ModelScore {
  const m = model.measure;
  const adjusted = ctx.adjusted[i] ?? null;
  const pShown = adjusted ?? m.p_value;
  const significant = pShown <= ctx.alpha;
  const method =
    ctx.method === 'none' || adjusted === null ? '' : ` (${ctx.method === 'bh' ? 'BH' : 'Holm'})`;
  // A significant p alone is not relevance: a smooth but tiny change is significant too.
  const relevant = significant && m.epgm >= ctx.effectThreshold;
  const negligible =
    significant && !relevant
      ? `, negligible effect (EPGM < ${formatNumber(ctx.effectThreshold)})`
      : '';
  const verdict = `${significant ? 'significant' : 'not significant'} at α = ${formatNumber(ctx.alpha)}${method}${negligible}`;
  const name = (c: number): string => outputName(model.labels, c);
  const spread = model.seedSpread;
  const rows: ScoreRow[] = [
    {
      key: 'EPGM',
      value: formatNumber(m.epgm),
      detail: [
        m.statistic === 'output' ? `output ${name(m.output ?? 0)}` : 'whole prediction vector',
        m.axis === 'index' ? 'legacy units (per step index)' : 'per unit of normalised strength',
        ...(spread === undefined ? [] : [`the path shown (seed ${String(spread.seeds[0])})`]),
      ].join(', '),
    },
  ];
  if (spread !== undefined) {
    rows.push({
      key: 'EPGM over seeds',
      value: seedSpreadText(spread),
      detail: `mean ± sample std, the editor's own noise; ${seedSpreadDetail(spread)}`,
    });
  }
  rows.push({
    key: 'p-value',
    value: formatNumber(m.p_value),
    detail: `shuffle test, ${describeTest(m)}${m.direction === 'smoother' ? '; smoother than its shuffles' : m.direction === 'rougher' ? '; rougher than its shuffles' : ''}`,
  });
  if (adjusted !== null) {
    rows.push({
      key: 'adjusted p',
      value: formatNumber(adjusted),
      detail: `${adjustmentName(ctx.method)} over ${ctx.adjusted.length} models`,
    });
  }
  rows.push(
    { key: 'flips', value: flipsText(model), detail: '' },
    sourceClassRow(model),
    ...jumpRow(model),
    { key: 'total variation', value: formatNumber(m.total_variation), detail: 'Σ|y(k+1) − y(k)|' },
    {
      key: 'provider',
      value: model.provider,
      detail:
        (model.fallbackReason === null ? '' : `fell back: ${model.fallbackReason}`) +
        (Number.isFinite(model.inferenceMs)
          ? `${model.fallbackReason === null ? '' : '; '}${formatNumber(model.inferenceMs)} ms`
          : ''),
    },
  );
  return {
    name: model.name,
    pShown,
    significant,
    relevant,
    verdict,
    rows,
    warnings: [...m.warnings, ...model.notes],
  };
}

/** "1: cat → dog at 0.5" style text for the flips of a model. */
export function flipsText(model: ModelRecord): string {
  const m = model.measure;
  if (m.flips === null) return 'not counted';
  if (m.flips === 0) return 'none';
  const name = (c: number): string => outputName(model.labels, c);
  const details = m.flip_details ?? [];
  const where =
    details.length > 0
      ? details.map((f) => `${name(f.from)} → ${name(f.to)} at ${formatNumber(f.strength)}`)
      : (m.flip_strengths ?? []).map((s) => `at ${formatNumber(s)}`);
  return `${m.flips}${where.length > 0 ? `: ${where.join('; ')}` : ''}`;
}

/** The jump from the source to the first frame, for editors whose first frame is not the source. */
function jumpRow(model: ModelRecord): ScoreRow[] {
  const jump = predictionJump(model);
  if (jump === null) return [];
  return [
    {
      key: 'source → first frame',
      value: jumpChange(jump),
      detail: `moved ${jumpMoved(jump)} before the path starts (the editor's reconstruction)`,
    },
  ];
}

function sourceClassRow(model: ModelRecord): ScoreRow {
  const c = model.measure.source_class;
  if (c === null) return { key: 'source class', value: '—', detail: '' };
  const first = model.predictions[0]?.[c];
  const last = model.predictions.at(-1)?.[c];
  const lost = model.measure.source_class_lost;
  return {
    key: 'source class',
    value: `${outputName(model.labels, c)}: ${first === undefined ? '—' : formatProbability(first)} → ${last === undefined ? '—' : formatProbability(last)}`,
    detail: lost === null ? '' : lost ? 'lost along the path' : 'kept along the path',
  };
}

/** One row of the per-output table. */
export interface OutputRow {
  readonly label: string;
  readonly epgm: number;
  readonly totalVariation: number;
  readonly first: number;
  readonly last: number;
}

/** Every output of a model with its EPGM, total variation and value at both ends, largest EPGM first. */
export function perOutputRows(model: ModelRecord): OutputRow[] {
  const m = model.measure;
  const n = Math.max(m.epgm_per_output.length, model.predictions[0]?.length ?? 0);
  const rows: OutputRow[] = [];
  for (let c = 0; c < n; c++) {
    rows.push({
      label: outputName(model.labels, c),
      epgm: m.epgm_per_output[c] ?? Number.NaN,
      totalVariation: m.total_variation_per_output[c] ?? Number.NaN,
      first: model.predictions[0]?.[c] ?? Number.NaN,
      last: model.predictions.at(-1)?.[c] ?? Number.NaN,
    });
  }
  const score = (e: number): number => (Number.isNaN(e) ? -Infinity : e);
  return rows.sort((a, b) => score(b.epgm) - score(a.epgm));
}

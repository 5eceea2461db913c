// What the chart draws, computed from a result without the DOM: which outputs move most, which are
// shown, one line per (model, output) with its colour and dash slot, the decision threshold and the
// flip markers. Colours follow the output and dashes follow the model, so "cat" is one colour in
// every model and each model has one dash style. Pure: runs in Node tests.
import type { ModelRecord, ResultFile } from '../../shared/resultFile';
import { outputName } from '../../shared/format';

/** Number of distinct chart colours (the --vscode-charts-* palette). */
export const PALETTE_SIZE = 6;

/** How many outputs are drawn before the user picks others. */
export const DEFAULT_SHOWN = 3;

/** Dash patterns per model, in canvas setLineDash units (CSS pixels). */
export const DASH_PATTERNS: readonly (readonly number[])[] = [
  [],
  [7, 4],
  [2, 3],
  [10, 3, 2, 3],
  [4, 4, 1, 4],
];

/** One output (class) across every model, keyed by its label so models that share labels share a line colour. */
export interface OutputInfo {
  /** The label (or "output c"); identifies the output across models and in the saved UI state. */
  readonly key: string;
  /** 0 for the output whose prediction moves most along the path (largest EPGM of any model). */
  readonly rank: number;
  /** The largest per-output EPGM over the models that have this output (NaN when none reports one). */
  readonly epgm: number;
  /** Palette slot, 0..PALETTE_SIZE-1. */
  readonly colour: number;
  /** This output's column in each model's predictions (null where the model lacks it). */
  readonly indexByModel: readonly (number | null)[];
  /** The models that predict this class on the unedited image (empty: none). */
  readonly sourceOf: readonly string[];
}

/** One line of the chart. */
export interface Series {
  readonly id: string;
  readonly label: string;
  readonly model: number;
  readonly modelName: string;
  readonly output: string;
  readonly colour: number;
  readonly dash: number;
  /** The source class of this model: drawn thicker. */
  readonly emphasis: boolean;
  readonly points: readonly { readonly x: number; readonly y: number }[];
  /**
   * The band over seeds around the line (the smallest and the largest value of any seed's path at
   * each step), when the path was made with several seeds; null otherwise.
   */
  readonly band: {
    readonly lower: readonly { readonly x: number; readonly y: number }[];
    readonly upper: readonly { readonly x: number; readonly y: number }[];
  } | null;
}

/** A change of predicted class, drawn as a vertical marker. */
export interface FlipMarker {
  readonly strength: number;
  readonly model: number;
  readonly modelName: string;
  /** "cat → dog", or "" when the file lists strengths without details. */
  readonly change: string;
}

/** The number of output columns of a model (its widest prediction row). */
export function outputCount(model: ModelRecord): number {
  return model.predictions.reduce((n, row) => Math.max(n, row.length), 0);
}

/** Every output of every model, ranked by how much it moves (largest EPGM first, ties in first-seen order). */
export function collectOutputs(models: readonly ModelRecord[]): OutputInfo[] {
  const byKey = new Map<
    string,
    { order: number; epgm: number; idx: (number | null)[]; src: string[] }
  >();
  models.forEach((model, m) => {
    const n = outputCount(model);
    for (let c = 0; c < n; c++) {
      const key = outputName(model.labels, c);
      let entry = byKey.get(key);
      if (entry === undefined) {
        entry = { order: byKey.size, epgm: Number.NaN, idx: models.map(() => null), src: [] };
        byKey.set(key, entry);
      }
      // A model that repeats a label keeps its first column.
      if (entry.idx[m] === null) entry.idx[m] = c;
      const e = model.measure.epgm_per_output[c];
      if (e !== undefined && Number.isFinite(e) && !(e <= entry.epgm)) entry.epgm = e;
      if (model.measure.source_class === c) entry.src.push(model.name);
    }
  });
  const entries = [...byKey.entries()];
  const score = (e: number): number => (Number.isNaN(e) ? -Infinity : e);
  const ranked = [...entries].sort(
    ([, a], [, b]) => score(b.epgm) - score(a.epgm) || a.order - b.order,
  );
  const few = entries.length <= PALETTE_SIZE;
  return ranked.map(([key, e], rank) => ({
    key,
    rank,
    epgm: e.epgm,
    // Few outputs: colour by first-seen index, as the HTML report does; many: the top ones get
    // distinct colours.
    colour: (few ? e.order : rank) % PALETTE_SIZE,
    indexByModel: e.idx,
    sourceOf: e.src,
  }));
}

/** The outputs drawn: all, the user's pick (those that still exist), or the top DEFAULT_SHOWN. */
export function shownOutputKeys(
  outputs: readonly OutputInfo[],
  picked: readonly string[] | null,
  showAll: boolean,
): Set<string> {
  if (showAll) return new Set(outputs.map((o) => o.key));
  if (picked !== null) {
    const known = new Set(outputs.map((o) => o.key));
    const kept = picked.filter((k) => known.has(k));
    if (kept.length > 0 || picked.length === 0) return new Set(kept);
  }
  return new Set(outputs.slice(0, DEFAULT_SHOWN).map((o) => o.key));
}

/** The pick after clicking an output in the legend: toggles it (starting from what is shown now). */
export function toggleOutput(shown: ReadonlySet<string>, key: string): string[] {
  const next = new Set(shown);
  if (next.has(key)) next.delete(key);
  else next.add(key);
  return [...next];
}

/** The lines to draw, top-ranked output first, then model order. */
export function buildSeries(
  result: ResultFile,
  outputs: readonly OutputInfo[],
  shown: ReadonlySet<string>,
  hiddenModels: ReadonlySet<string>,
): Series[] {
  const several = result.models.length > 1;
  const xs = result.frames.map((f) => f.strength);
  const series: Series[] = [];
  for (const output of outputs) {
    if (!shown.has(output.key)) continue;
    result.models.forEach((model, m) => {
      const c = output.indexByModel[m];
      if (c === null || c === undefined || hiddenModels.has(model.name)) return;
      const points = model.predictions.flatMap((row, k) => {
        const x = xs[k];
        const y = row[c];
        return x === undefined || y === undefined || !Number.isFinite(y) ? [] : [{ x, y }];
      });
      series.push({
        id: `${m}:${output.key}`,
        label: several ? `${output.key} · ${model.name}` : output.key,
        model: m,
        modelName: model.name,
        output: output.key,
        colour: output.colour,
        dash: several ? m % DASH_PATTERNS.length : 0,
        emphasis: model.measure.source_class === c,
        points,
        band: bandOf(model, c, xs),
      });
    });
  }
  return series;
}

/**
 * Output c's band over seeds (seedSpread.lower/upper) as points; null without a spread, or when a
 * step of it is not a finite number (a band with holes would mislead).
 */
function bandOf(model: ModelRecord, c: number, xs: readonly number[]): Series['band'] {
  const spread = model.seedSpread;
  if (spread === undefined || spread.lower.length !== xs.length) return null;
  const lower: { x: number; y: number }[] = [];
  const upper: { x: number; y: number }[] = [];
  for (const [k, x] of xs.entries()) {
    const lo = spread.lower[k]?.[c];
    const hi = spread.upper[k]?.[c];
    if (lo === undefined || hi === undefined || !Number.isFinite(lo) || !Number.isFinite(hi))
      return null;
    lower.push({ x, y: lo });
    upper.push({ x, y: hi });
  }
  return { lower, upper };
}

/** The canvas dash pattern of a dash slot. */
export function dashPattern(slot: number): readonly number[] {
  return DASH_PATTERNS[slot % DASH_PATTERNS.length] ?? [];
}

/** Whether every row is a probability vector (values in [0, 1] summing to 1). */
export function isProbabilityRows(rows: readonly (readonly number[])[]): boolean {
  return (
    rows.length > 0 &&
    rows.every((row) => {
      let sum = 0;
      for (const v of row) {
        if (!(v >= -1e-6 && v <= 1 + 1e-6)) return false;
        sum += v;
      }
      return row.length > 0 && Math.abs(sum - 1) <= 1e-3;
    })
  );
}

/** 0.5 when some model outputs two-class probabilities (the decision boundary), else null. */
export function decisionThreshold(models: readonly ModelRecord[]): number | null {
  return models.some((m) => outputCount(m) === 2 && isProbabilityRows(m.predictions)) ? 0.5 : null;
}

/** The y axis: probabilities on [0, 1] when every model outputs them, free otherwise. */
export function valueAxis(models: readonly ModelRecord[]): {
  readonly title: string;
  readonly min: number | null;
  readonly max: number | null;
} {
  return models.length > 0 && models.every((m) => isProbabilityRows(m.predictions))
    ? { title: 'probability', min: 0, max: 1 }
    : { title: 'output', min: null, max: null };
}

/** Where each (shown) model's predicted class changes, from measure.flip_strengths. */
export function flipMarkers(
  models: readonly ModelRecord[],
  hiddenModels: ReadonlySet<string>,
): FlipMarker[] {
  return models.flatMap((model, m) => {
    if (hiddenModels.has(model.name)) return [];
    const strengths = model.measure.flip_strengths ?? [];
    const details = model.measure.flip_details ?? [];
    return strengths
      .filter((s) => Number.isFinite(s))
      .map((strength, i) => {
        const d = details.length === strengths.length ? details[i] : undefined;
        return {
          strength,
          model: m,
          modelName: model.name,
          change:
            d === undefined
              ? ''
              : `${outputName(model.labels, d.from)} → ${outputName(model.labels, d.to)}`,
        };
      });
  });
}

/** What one model predicts at step k: its top output and the source class, with probabilities. */
export interface StepPrediction {
  readonly model: string;
  readonly top: { readonly label: string; readonly value: number } | null;
  readonly source: { readonly label: string; readonly value: number } | null;
}

/** Each model's prediction at step k (for the caption of the selected frame). */
export function predictionsAtStep(result: ResultFile, k: number): StepPrediction[] {
  return result.models.map((model) => {
    const row = model.predictions[k] ?? [];
    let best = -1;
    row.forEach((v, c) => {
      if (Number.isFinite(v) && (best < 0 || v > (row[best] ?? -Infinity))) best = c;
    });
    const sc = model.measure.source_class;
    const sv = sc === null ? undefined : row[sc];
    return {
      model: model.name,
      top:
        best < 0 ? null : { label: outputName(model.labels, best), value: row[best] ?? Number.NaN },
      source:
        sc === null || sv === undefined ? null : { label: outputName(model.labels, sc), value: sv },
    };
  });
}

// The numbers of a folder run: one row per image from its result, p-values adjusted across the
// images, and what each classifier does over all of them. Pure, and the one definition: the folder
// run, `merge`, the CLI and the aggregate panel use it, so that a merged set of shards and an
// unsharded run of the same images give the same file.
import { adjustPValues } from './adjust';
import type {
  FolderImageRow,
  FolderModelRow,
  FolderModelSummary,
  FolderSettings,
  FolderSummary,
  Proportion,
} from './folderFile';
import { stableStringify, type ModelRecord } from './resultFile';

/** The normal quantile of 0.975: two-sided 95% intervals. */
export const Z95 = 1.959964;

/**
 * The Wilson score interval of count successes in total trials (z = 1.96: 95%). Unlike
 * rate +- z*se it stays inside [0, 1] and does not collapse to a point at 0 or total successes,
 * which matter here: "0 of 12 images flipped" is common. No trials: rate 0, interval [0, 1].
 */
export function wilson(count: number, total: number, z = Z95): Proportion {
  if (!Number.isSafeInteger(total) || total < 0) {
    throw new RangeError(`total must be a whole number from 0, got ${String(total)}`);
  }
  if (!Number.isSafeInteger(count) || count < 0 || count > total) {
    throw new RangeError(`count must be a whole number from 0 to ${total}, got ${String(count)}`);
  }
  if (total === 0) return { count, total, rate: 0, low: 0, high: 1 };
  const rate = count / total;
  const z2 = z * z;
  const denominator = 1 + z2 / total;
  const centre = (rate + z2 / (2 * total)) / denominator;
  const half =
    (z / denominator) * Math.sqrt((rate * (1 - rate)) / total + z2 / (4 * total * total));
  // At 0 and total the bound is 0 or 1 exactly; rounding would leave it a hair off.
  const low = count === 0 ? 0 : Math.max(0, centre - half);
  const high = count === total ? 1 : Math.min(1, centre + half);
  return { count, total, rate, low, high };
}

/**
 * One classifier's row of the summary table from one image's result. The curve follows the class
 * predicted on the first step (one class per image, whatever class each image starts as); a
 * one-output model's curve is its output. flips is 0 when the classifier has one output.
 */
export function modelRow(model: ModelRecord): Omit<FolderModelRow, 'p_adjusted' | 'significant'> {
  const first = model.predictions[0] ?? [];
  const cls = argmax(first);
  return {
    model: model.name,
    epgm: model.measure.epgm,
    p_value: model.measure.p_value,
    flips: model.measure.flips ?? 0,
    curve: model.predictions.map((row) => row[cls] ?? Number.NaN),
  };
}

/** The first index of the largest value (0 for an empty row). */
function argmax(row: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < row.length; i++)
    if ((row[i] ?? -Infinity) > (row[best] ?? -Infinity)) best = i;
  return best;
}

/**
 * Orders strings by Unicode code point. `<` compares UTF-16 code units, which puts U+E000..U+FFFF
 * after the characters beyond U+FFFF; code points give one order whatever the string's encoding.
 */
export function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = (x[i]?.codePointAt(0) ?? 0) - (y[i]?.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * The rows sorted by image (code point order) with every measured row's adjusted p and
 * significance filled in, and the summary. Each classifier's p-values are adjusted over all
 * measured ('done') images together, whichever run or shard measured them; skipped and failed rows
 * have no models and take no part. Computed in the sorted order, so the same images give the same
 * numbers to the last bit however they were split into shards.
 */
export function summarize(
  settings: FolderSettings,
  rows: readonly FolderImageRow[],
): { rows: FolderImageRow[]; summary: FolderSummary } {
  const sorted = [...rows].sort((a, b) => compareCodePoints(a.image, b.image));
  const done = sorted.filter((r) => r.status === 'done');
  done.forEach((row) => {
    if (
      row.models.length !== settings.models.length ||
      row.models.some((m, k) => m.model !== settings.models[k]?.name)
    ) {
      throw new RangeError(
        `the row of ${row.image} has the classifiers ${row.models.map((m) => m.model).join(', ')}, not ${settings.models.map((m) => m.name).join(', ')}`,
      );
    }
  });
  const adjusted = settings.models.map((_, k) =>
    adjustPValues(
      done.map((row) => row.models[k]?.p_value ?? 1),
      settings.adjustment,
    ),
  );
  const doneIndex = new Map(done.map((row, i) => [row, i]));
  const outRows = sorted.map((row): FolderImageRow => {
    const i = doneIndex.get(row);
    if (i === undefined) return { ...row, models: [] };
    return {
      ...row,
      models: row.models.map((m, k) => {
        const p = adjusted[k]?.[i] ?? 1;
        return { ...m, p_adjusted: p, significant: p <= settings.alpha };
      }),
    };
  });
  const measured = outRows.filter((r) => r.status === 'done');
  const summary: FolderSummary = {
    images: outRows.length,
    done: measured.length,
    skipped: outRows.filter((r) => r.status === 'skipped').length,
    failed: outRows.filter((r) => r.status === 'failed').length,
    resumed: outRows.filter((r) => r.resumed).length,
    models: settings.models.map((m, k) =>
      modelSummary(
        m.name,
        measured.map((row) => row.models[k]).filter((x) => x !== undefined),
      ),
    ),
  };
  return { rows: outRows, summary };
}

/** One classifier over its measured images; the EPGM numbers are 0 and the curves empty for none. */
function modelSummary(model: string, rows: readonly FolderModelRow[]): FolderModelSummary {
  const n = rows.length;
  const epgm = rows.map((r) => r.epgm).sort((a, b) => a - b);
  const band = meanBand(rows.map((r) => r.curve));
  return {
    model,
    images: n,
    epgm_mean: n === 0 ? 0 : epgm.reduce((s, v) => s + v, 0) / n,
    epgm_median: quantile(epgm, 0.5),
    epgm_q1: quantile(epgm, 0.25),
    epgm_q3: quantile(epgm, 0.75),
    significant: wilson(rows.filter((r) => r.significant).length, n),
    flipped: wilson(rows.filter((r) => r.flips > 0).length, n),
    mean_curve: band.mean,
    curve_low: band.low,
    curve_high: band.high,
  };
}

/**
 * The q-quantile of ascending values by linear interpolation between order statistics (R's type 7,
 * numpy's default): h = (n - 1) q, x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]).
 * 0 for no values.
 */
export function quantile(ascending: readonly number[], q: number): number {
  const n = ascending.length;
  if (n === 0) return 0;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const below = ascending[lo] ?? 0;
  const above = ascending[Math.min(lo + 1, n - 1)] ?? below;
  return below + (h - lo) * (above - below);
}

/**
 * The mean of the curves at each step with its pointwise 95% interval, mean +- z s / sqrt(n)
 * (s the sample standard deviation; the normal approximation, as the band is a guide for the
 * eye). One curve: the interval is the curve itself; none: empty.
 */
function meanBand(curves: readonly (readonly number[])[]): {
  mean: number[];
  low: number[];
  high: number[];
} {
  const n = curves.length;
  const steps = curves[0]?.length ?? 0;
  if (curves.some((c) => c.length !== steps)) {
    throw new RangeError(
      `the images' curves have different lengths (${curves.map((c) => c.length).join(', ')})`,
    );
  }
  const mean: number[] = [];
  const low: number[] = [];
  const high: number[] = [];
  for (let j = 0; j < steps; j++) {
    const values = curves.map((c) => c[j] ?? 0);
    const m = values.reduce((s, v) => s + v, 0) / n;
    const half =
      n < 2
        ? 0
        : (Z95 * Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (n - 1))) / Math.sqrt(n);
    mean.push(m);
    low.push(m - half);
    high.push(m + half);
  }
  return { mean, low, high };
}

/** A text equal for equal settings and different for different ones (the journal's check). */
export function settingsKey(settings: FolderSettings): string {
  return stableStringify(settingsFields(settings));
}

/** Only the fields of FolderSettings, so that an object carrying more has the same key. */
function settingsFields(s: FolderSettings): FolderSettings {
  return {
    editor: s.editor,
    params: s.params,
    content: s.content ?? null,
    steps: s.steps,
    seed: s.seed,
    seeds: s.seeds,
    permutations: s.permutations,
    alpha: s.alpha,
    legacy: s.legacy,
    adjustment: s.adjustment,
    models: s.models.map((m) => ({ name: m.name, kind: m.kind, sha256: m.sha256, files: m.files })),
  };
}

const SCALAR_FIELDS = [
  'editor',
  'steps',
  'seed',
  'seeds',
  'permutations',
  'alpha',
  'legacy',
  'adjustment',
] as const;

/**
 * A sentence naming the first field in which two runs' settings differ, with both values
 * ("steps: 21 here, 11 there"), or null when they are equal. `names` say whose each value is.
 */
export function settingsDifference(
  a: FolderSettings,
  b: FolderSettings,
  names: readonly [string, string] = ['here', 'there'],
): string | null {
  const [here, there] = names;
  const differ = (
    field: string,
    x: string | number | boolean | undefined,
    y: string | number | boolean | undefined,
  ): string => `${field}: ${show(x)} ${here}, ${show(y)} ${there}`;
  if (a.editor !== b.editor) return differ('editor', a.editor, b.editor);
  const keys = [...new Set([...Object.keys(a.params), ...Object.keys(b.params)])].sort(
    compareCodePoints,
  );
  for (const key of keys) {
    const x = Object.hasOwn(a.params, key) ? a.params[key] : undefined;
    const y = Object.hasOwn(b.params, key) ? b.params[key] : undefined;
    if (x !== y) return differ(`editor parameter ${key}`, x, y);
  }
  const [contentA, contentB] = [a.content ?? null, b.content ?? null];
  if (contentA !== contentB) {
    // Same names, other bytes: the files the parameters name were changed in between.
    const shown = (c: string | null): string => (c === null ? 'none' : digest(c));
    return `the content of the editor's files: ${shown(contentA)} ${here}, ${shown(contentB)} ${there} (a file its parameters name was changed)`;
  }
  for (const field of SCALAR_FIELDS) {
    if (a[field] !== b[field]) return differ(field, a[field], b[field]);
  }
  if (a.models.length !== b.models.length) {
    return `classifiers: ${a.models.map((m) => m.name).join(', ')} ${here}, ${b.models.map((m) => m.name).join(', ')} ${there}`;
  }
  for (let k = 0; k < a.models.length; k++) {
    const x = a.models[k];
    const y = b.models[k];
    if (x === undefined || y === undefined) continue;
    const which = `classifier ${k + 1}`;
    if (x.name !== y.name) return differ(`${which}'s name`, x.name, y.name);
    if (x.kind !== y.kind) return differ(`${which} (${x.name})'s kind`, x.kind, y.kind);
    if (x.sha256 !== y.sha256)
      return differ(`${which} (${x.name})'s sha256`, digest(x.sha256), digest(y.sha256));
    if (x.files.length !== y.files.length || x.files.some((f, i) => f !== y.files[i])) {
      return `${which} (${x.name})'s files (prompts): ${x.files.map(digest).join(', ') || 'none'} ${here}, ${y.files.map(digest).join(', ') || 'none'} ${there}`;
    }
  }
  return null;
}

/** A value in a sentence: texts quoted, a missing one named. */
function show(x: string | number | boolean | undefined): string {
  if (x === undefined) return 'not set';
  return typeof x === 'string' ? JSON.stringify(x) : String(x);
}

/** A digest short enough to read in a sentence and long enough to tell two apart. */
function digest(sha256: string): string {
  return sha256.length > 16 ? `${sha256.slice(0, 12)}…` : sha256;
}

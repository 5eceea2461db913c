// What a model-based editor (the diffusion editor) records beside the path, as the words the
// panel, the HTML report, the Markdown summary and the CLI show: the jump from the source to the
// reconstruction (the first frame, which the editor never makes equal to the source), the spread
// of a model's EPGM over seeds, and what the editor's run did. Pure: runs in Node and the webview.
import { formatCount, formatNumber, formatPercent, formatProbability, outputName } from './format';
import type { EditorRunRecord, ModelRecord, SeedSpreadRecord } from './resultFile';

/** A model's top class on one side of the jump. */
export interface TopClass {
  readonly label: string;
  readonly value: number;
}

/** How one model's answer moved from the source to the first frame. */
export interface PredictionJump {
  readonly model: string;
  /** Total variation 0.5 Σ|a − b|: the probability mass that moved (for probability outputs). */
  readonly moved: number;
  /** Whether both rows are probability vectors (else `moved` is in output units). */
  readonly probabilities: boolean;
  readonly source: TopClass;
  readonly first: TopClass;
}

/**
 * The jump of `model` from its prediction on the source to the one on the first frame; null when
 * the result has no source prediction or its width is not the frames'.
 */
export function predictionJump(model: ModelRecord): PredictionJump | null {
  const a = model.sourcePrediction;
  const b = model.predictions[0];
  if (a === undefined || b === undefined || a.length !== b.length || a.length === 0) return null;
  let moved = 0;
  for (let c = 0; c < a.length; c++) moved += Math.abs((a[c] ?? 0) - (b[c] ?? 0));
  const source = topClass(model.labels, a);
  const first = topClass(model.labels, b);
  if (source === null || first === null) return null;
  return {
    model: model.name,
    moved: moved / 2,
    probabilities: isProbabilities(a) && isProbabilities(b),
    source,
    first,
  };
}

/** "P(cat) 0.990 → 0.970" (the same top class) or "cat 0.990 → dog 0.600" (another one). */
export function jumpChange(jump: PredictionJump): string {
  const p = (v: number): string => (jump.probabilities ? formatProbability(v) : formatNumber(v));
  return jump.source.label === jump.first.label
    ? `${jump.probabilities ? `P(${jump.source.label})` : jump.source.label} ${p(jump.source.value)} → ${p(jump.first.value)}`
    : `${jump.source.label} ${p(jump.source.value)} → ${jump.first.label} ${p(jump.first.value)}`;
}

/** "2.1 % of the probability mass", or the total variation in output units. */
export function jumpMoved(jump: PredictionJump): string {
  return jump.probabilities
    ? formatPercent(jump.moved)
    : `${formatNumber(jump.moved)} in output units`;
}

/** "P(cat) 0.990 → 0.970 (moved 2.10 %)". */
export function jumpText(jump: PredictionJump): string {
  return `${jumpChange(jump)} (moved ${jumpMoved(jump)})`;
}

/** "1 ± 0.1 over 3 seeds": the EPGM's mean and sample standard deviation over the seeds. */
export function seedSpreadText(spread: SeedSpreadRecord): string {
  const k = spread.seeds.length;
  return `${formatNumber(spread.epgmMean)} ± ${formatNumber(spread.epgmStd)} over ${formatCount(k)} ${k === 1 ? 'seed' : 'seeds'}`;
}

/** "seeds 0, 1, 2; flips 1 to 2" (the range of flips over the seeds). */
export function seedSpreadDetail(spread: SeedSpreadRecord): string {
  const shownSeeds = spread.seeds.slice(0, 8).map(String).join(', ');
  const more = spread.seeds.length > 8 ? `, … (${formatCount(spread.seeds.length)})` : '';
  let lo = Infinity;
  let hi = -Infinity;
  for (const f of spread.flips) {
    lo = Math.min(lo, f);
    hi = Math.max(hi, f);
  }
  const flips = lo > hi ? '' : `; flips ${lo === hi ? String(lo) : `${lo} to ${hi}`}`;
  return `seeds ${shownSeeds}${more}${flips}`;
}

/** Counts an editor reports, in the order and with the words a summary uses. */
const COUNT_WORDS: readonly (readonly [string, string])[] = [
  ['denoiseSteps', 'denoising steps'],
  ['unetCalls', 'UNet calls'],
  ['imageEvaluations', 'image evaluations'],
];

/**
 * "20 denoising steps, 91 UNet calls, 1,821 image evaluations, 12.3 s (unet 11.1 s)": what the
 * editor did, for one line. Counts it does not know are left to runDetails.
 */
export function runSummary(run: EditorRunRecord): string {
  const parts = COUNT_WORDS.flatMap(([key, words]) => {
    const n = run.counts[key];
    return n === undefined ? [] : [`${formatCount(n)} ${words}`];
  });
  const total = run.phasesMs.total;
  const unet = run.phasesMs.unet;
  if (total !== undefined)
    parts.push(`${seconds(total)}${unet === undefined ? '' : ` (unet ${seconds(unet)})`}`);
  return parts.join(', ');
}

/** "64 × 48 px on cuda" (and the CPU fallback's reason). */
export function runWhere(run: EditorRunRecord): string {
  const [w, h] = run.size;
  const size = Number.isFinite(w) && Number.isFinite(h) ? `${w} × ${h} px on ` : '';
  return `${size}${run.provider}${run.fallbackReason === null ? '' : ` (fell back: ${run.fallbackReason})`}`;
}

/** Every count and phase of a run, "unetCalls 91", "unet 11.1 s": for tooltips and reports. */
export function runDetails(run: EditorRunRecord): string[] {
  return [
    ...Object.entries(run.counts).map(([k, v]) => `${k} ${formatCount(v)}`),
    ...Object.entries(run.phasesMs).map(([k, v]) => `${k} ${seconds(v)}`),
  ];
}

/** Milliseconds as seconds with one decimal ("12.3 s"), or milliseconds below a tenth. */
function seconds(ms: number): string {
  return ms < 100 ? `${formatNumber(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function topClass(labels: readonly string[], row: readonly number[]): TopClass | null {
  let best = -1;
  for (let c = 0; c < row.length; c++) {
    const v = row[c] ?? Number.NaN;
    if (Number.isFinite(v) && (best < 0 || v > (row[best] ?? -Infinity))) best = c;
  }
  return best < 0 ? null : { label: outputName(labels, best), value: row[best] ?? Number.NaN };
}

/** Values in [0, 1] that sum to 1, within rounding. */
function isProbabilities(row: readonly number[]): boolean {
  let sum = 0;
  for (const v of row) {
    if (!(v >= -1e-6 && v <= 1 + 1e-6)) return false;
    sum += v;
  }
  return Math.abs(sum - 1) <= 1e-3;
}

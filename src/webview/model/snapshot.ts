// Coerces a snapshot that passed isHostMessage into one the panel can read without checks.
// isHostMessage and validateResultFile check the fields that decide whether a result is usable;
// the many fields the panel merely displays (labels, flip details, quality, progress) come from a
// file or a host and could be missing or of the wrong type. Each is replaced by a neutral value
// here, so a damaged file renders with blanks instead of a blank panel. Pure: runs in Node tests.
import type { PanelSnapshot, PanelState } from '../../shared/protocol';
import type { FlipJson, MeasureJson } from '../../shared/result';
import type { EditQuality, FrameRecord, ModelRecord, ResultFile } from '../../shared/resultFile';

type Loose = Record<string, unknown>;

const STATES: readonly PanelState[] = ['idle', 'running', 'done', 'error', 'cancelled'];

function obj(x: unknown): Loose {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Loose) : {};
}
function num(x: unknown, fallback: number): number {
  return typeof x === 'number' && Number.isFinite(x) ? x : fallback;
}
function numOrNull(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}
function str(x: unknown, fallback = ''): string {
  return typeof x === 'string' ? x : fallback;
}
function strOrNull(x: unknown): string | null {
  return typeof x === 'string' ? x : null;
}
function bool(x: unknown, fallback: boolean): boolean {
  return typeof x === 'boolean' ? x : fallback;
}
function strings(x: unknown): string[] {
  return Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : [];
}
function numbers(x: unknown): number[] {
  return Array.isArray(x) ? x.map((v) => num(v, Number.NaN)) : [];
}
function index(x: unknown): number | null {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 ? x : null;
}

/** A snapshot whose every field has the declared type (see the module comment). */
export function normaliseSnapshot(raw: PanelSnapshot): PanelSnapshot {
  const s = raw as unknown as Loose;
  const progress = s.progress === null || typeof s.progress !== 'object' ? null : obj(s.progress);
  const state = STATES.find((x) => x === s.state) ?? 'idle';
  const adjustment = s.adjustment === 'holm' || s.adjustment === 'bh' ? s.adjustment : 'none';
  const result = s.result === null || s.result === undefined ? null : normaliseResult(s.result);
  const done = numOrNull(progress?.done);
  const total = numOrNull(progress?.total);
  return {
    title: str(s.title, 'PropSweep'),
    state,
    progress:
      progress === null
        ? null
        : {
            message: str(progress.message),
            ...(done === null ? {} : { done }),
            ...(total === null ? {} : { total }),
          },
    error: strOrNull(s.error),
    result,
    frameUris: strings(s.frameUris),
    sourceUri: strOrNull(s.sourceUri),
    readOnly: bool(s.readOnly, true),
    stale: (Array.isArray(s.stale) ? s.stale : [])
      .map(obj)
      .filter((e) => typeof e.model === 'string')
      .map((e) => ({ model: str(e.model), reason: str(e.reason, 'the model changed') })),
    savedPath: strOrNull(s.savedPath),
    canRun: bool(s.canRun, false),
    runBlockedReason: strOrNull(s.runBlockedReason),
    alpha: num(s.alpha, 0.01) > 0 && num(s.alpha, 0.01) < 1 ? num(s.alpha, 0.01) : 0.01,
    effectThreshold: Math.max(0, num(s.effectThreshold, 0.05)),
    adjustment,
    restore: restoreOf(s.restore),
  };
}

/** The host's reopen information ({ resultPath }) if it has that shape, else null. */
export function restoreOf(x: unknown): { readonly resultPath: string } | null {
  const r = obj(x);
  return typeof r.resultPath === 'string' ? { resultPath: r.resultPath } : null;
}

/** A result file with every displayed field of the declared type. */
export function normaliseResult(raw: unknown): ResultFile {
  const r = obj(raw);
  const image = obj(r.image);
  const editor = obj(r.editor);
  const quality = obj(r.quality);
  const mask = r.mask === null || typeof r.mask !== 'object' ? null : obj(r.mask);
  const params: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(obj(editor.params))) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') params[k] = v;
  }
  const timings: Record<string, number> = {};
  for (const [k, v] of Object.entries(obj(r.timings))) {
    if (typeof v === 'number') timings[k] = v;
  }
  const frames: FrameRecord[] = (Array.isArray(r.frames) ? r.frames : []).map((f, k) => {
    const frame = obj(f);
    return {
      file: str(frame.file),
      strength: num(frame.strength, k),
      parameter: num(frame.parameter, num(frame.strength, k)),
      changeInside: num(frame.changeInside, Number.NaN),
      changeOutside: numOrNull(frame.changeOutside),
    };
  });
  const q: EditQuality = {
    masked: bool(quality.masked, false),
    leakage: numOrNull(quality.leakage),
    clean: bool(quality.clean, true),
    message: strOrNull(quality.message),
  };
  return {
    propsweep: num(r.propsweep, 0),
    created: str(r.created),
    image: {
      path: str(image.path),
      sha256: str(image.sha256),
      width: num(image.width, 0),
      height: num(image.height, 0),
    },
    mask: mask === null ? null : { path: str(mask.path), sha256: str(mask.sha256) },
    editor: {
      id: str(editor.id),
      title: str(editor.title, str(editor.id)),
      params,
      parameterName: str(editor.parameterName, 'parameter'),
      identityAtZero: bool(editor.identityAtZero, false),
      seed: num(editor.seed, 0),
    },
    frames,
    quality: q,
    models: (Array.isArray(r.models) ? r.models : []).map((m) => normaliseModel(m, frames)),
    timings,
  };
}

function normaliseModel(raw: unknown, frames: readonly FrameRecord[]): ModelRecord {
  const m = obj(raw);
  const predictions = (Array.isArray(m.predictions) ? m.predictions : []).map(numbers);
  const width = Math.max(0, ...predictions.map((row) => row.length));
  const measure = normaliseMeasure(m.measure, frames, width);
  const labels = strings(m.labels);
  return {
    name: str(m.name, 'model'),
    path: str(m.path),
    sha256: str(m.sha256),
    provider: str(m.provider, 'unknown'),
    fallbackReason: strOrNull(m.fallbackReason),
    labels: labels.length > 0 ? labels : (measure.labels ?? []),
    predictions,
    measure,
    inferenceMs: num(m.inferenceMs, Number.NaN),
    notes: strings(m.notes),
  };
}

function normaliseMeasure(
  raw: unknown,
  frames: readonly FrameRecord[],
  outputs: number,
): MeasureJson {
  const m = obj(raw);
  const strengths = Array.isArray(m.strengths)
    ? numbers(m.strengths)
    : frames.map((f) => f.strength);
  const flipDetails: FlipJson[] | null = Array.isArray(m.flip_details)
    ? m.flip_details.map(obj).flatMap((f) => {
        const from = index(f.from);
        const to = index(f.to);
        const at = index(f.index);
        if (from === null || to === null || at === null) return [];
        return [
          { index: at, strength: num(f.strength, Number.NaN), t: num(f.t, Number.NaN), from, to },
        ];
      })
    : null;
  const labels = Array.isArray(m.labels) ? strings(m.labels) : null;
  const pValue = num(m.p_value, 1);
  const alpha = num(m.alpha, 0.01);
  return {
    n_steps: num(m.n_steps, frames.length),
    n_outputs: num(m.n_outputs, outputs),
    labels,
    axis: m.axis === 'index' ? 'index' : 'strength',
    periodic: bool(m.periodic, false),
    period: numOrNull(m.period),
    edge_order: m.edge_order === 2 ? 2 : 1,
    statistic: m.statistic === 'output' ? 'output' : 'aggregate',
    output: index(m.output),
    strengths,
    t: numbers(m.t),
    epgm: num(m.epgm, Number.NaN),
    epgm_per_output: numbers(m.epgm_per_output),
    total_variation: num(m.total_variation, Number.NaN),
    total_variation_per_output: numbers(m.total_variation_per_output),
    p_value: pValue,
    p_value_legacy: num(m.p_value_legacy, pValue),
    null_mean: num(m.null_mean, Number.NaN),
    null_sd: num(m.null_sd, Number.NaN),
    n_permutations: num(m.n_permutations, 0),
    exact: bool(m.exact, false),
    exceedances: num(m.exceedances, 0),
    min_achievable_p: num(m.min_achievable_p, 0),
    seed: num(m.seed, 0),
    alpha,
    significant: bool(m.significant, pValue <= alpha),
    direction: m.direction === 'smoother' || m.direction === 'rougher' ? m.direction : 'neither',
    flips: numOrNull(m.flips),
    flip_strengths: Array.isArray(m.flip_strengths) ? numbers(m.flip_strengths) : null,
    flip_details: flipDetails,
    predicted_classes: Array.isArray(m.predicted_classes) ? numbers(m.predicted_classes) : null,
    source_class: index(m.source_class),
    source_class_lost: typeof m.source_class_lost === 'boolean' ? m.source_class_lost : null,
    warnings: strings(m.warnings),
  };
}

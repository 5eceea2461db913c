// One normalisation of a result file, shared by the loader (and so the panel, the HTML report,
// the Markdown snippet and the report command) and the webview. validateResultFile checks the
// fields that decide whether a result is usable at all; the many fields that are only displayed
// (labels, titles, parameters, quality, flip details) come from a file someone else wrote and may
// be missing or of the wrong type. Each is given its declared type here, once, so no export meets
// a null where it expects an object. Pure: no Node, no vscode.
import { bool, index, num, numbers, numOrNull, obj, text, textOrNull, texts } from './coerce';
import type { FlipJson, MeasureJson } from './result';
import type {
  ContentRecord,
  EditorRunRecord,
  EditQuality,
  FrameRecord,
  ModelRecord,
  ReconstructionRecord,
  ResultFile,
  SeedSpreadRecord,
  TrackRecord,
} from './resultFile';

/** A result file with every field of its declared type (see the module comment). */
export function normaliseResult(raw: unknown): ResultFile {
  const r = obj(raw);
  const image = obj(r.image);
  const editor = obj(r.editor);
  const quality = obj(r.quality);
  const mask = r.mask === null || typeof r.mask !== 'object' ? null : obj(r.mask);
  const params: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(obj(editor.params))) {
    if (typeof v === 'string' || typeof v === 'boolean') params[k] = v;
    else if (typeof v === 'number' && Number.isFinite(v)) params[k] = v;
  }
  const timings = finiteEntries(r.timings);
  const frames: FrameRecord[] = (Array.isArray(r.frames) ? r.frames : []).map((f, k) => {
    const frame = obj(f);
    return {
      file: text(frame.file),
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
    message: textOrNull(quality.message),
  };
  const id = text(editor.id);
  const content = normaliseContent(editor.content);
  const run = normaliseRun(editor.run);
  const reconstruction = normaliseReconstruction(r.reconstruction);
  const track = normaliseTrack(r.track);
  return {
    propsweep: num(r.propsweep, 0),
    created: text(r.created),
    image: {
      path: text(image.path),
      sha256: text(image.sha256),
      width: num(image.width, 0),
      height: num(image.height, 0),
    },
    mask: mask === null ? null : { path: text(mask.path), sha256: text(mask.sha256) },
    editor: {
      id,
      title: text(editor.title, id),
      params,
      parameterName: text(editor.parameterName, 'parameter'),
      identityAtZero: bool(editor.identityAtZero, false),
      seed: num(editor.seed, 0),
      ...(content === null ? {} : { content }),
      ...(run === null ? {} : { run }),
    },
    ...(reconstruction === null ? {} : { reconstruction }),
    frames,
    quality: q,
    models: (Array.isArray(r.models) ? r.models : []).map((m) => normaliseModel(m, frames)),
    timings,
    ...(track === null ? {} : { track }),
  };
}

function normaliseModel(raw: unknown, frames: readonly FrameRecord[]): ModelRecord {
  const m = obj(raw);
  const predictions = (Array.isArray(m.predictions) ? m.predictions : []).map(numbers);
  // A loop, not Math.max(...): a spread of a data-sized array overflows the call stack.
  let width = 0;
  for (const row of predictions) width = Math.max(width, row.length);
  const measure = normaliseMeasure(m.measure, frames, width);
  const labels = texts(m.labels);
  const sourcePrediction = Array.isArray(m.sourcePrediction) ? numbers(m.sourcePrediction) : null;
  const seedSpread = normaliseSeedSpread(m.seedSpread);
  const kind = m.kind === 'command' || m.kind === 'clip' ? m.kind : null;
  const command = Array.isArray(m.command) ? texts(m.command) : null;
  const files = Array.isArray(m.files)
    ? m.files.map((f) => {
        const file = obj(f);
        return { role: text(file.role), path: text(file.path), sha256: text(file.sha256) };
      })
    : null;
  return {
    name: text(m.name, 'model'),
    ...(kind === null ? {} : { kind }),
    path: text(m.path),
    sha256: text(m.sha256),
    ...(command === null ? {} : { command }),
    ...(files === null ? {} : { files }),
    provider: text(m.provider, 'unknown'),
    fallbackReason: textOrNull(m.fallbackReason),
    labels: labels.length > 0 ? labels : (measure.labels ?? []),
    predictions,
    measure,
    inferenceMs: num(m.inferenceMs, Number.NaN),
    notes: texts(m.notes),
    ...(sourcePrediction === null ? {} : { sourcePrediction }),
    ...(seedSpread === null ? {} : { seedSpread }),
  };
}

/** The files an editor's parameters named, or null when the record is absent or not one. */
function normaliseContent(raw: unknown): ContentRecord | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const c = obj(raw);
  return {
    sha256: text(c.sha256),
    files: (Array.isArray(c.files) ? c.files : []).map((f) => {
      const file = obj(f);
      return { name: text(file.name), bytes: num(file.bytes, 0), sha256: text(file.sha256) };
    }),
  };
}

/** What a model-based editor did, or null when the record is absent or not one. */
function normaliseRun(raw: unknown): EditorRunRecord | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const run = obj(raw);
  const size = numbers(run.size);
  return {
    size: [size[0] ?? Number.NaN, size[1] ?? Number.NaN],
    provider: text(run.provider, 'unknown'),
    fallbackReason: textOrNull(run.fallbackReason),
    counts: finiteEntries(run.counts),
    phasesMs: finiteEntries(run.phasesMs),
    notes: texts(run.notes),
  };
}

function normaliseReconstruction(raw: unknown): ReconstructionRecord | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = obj(raw);
  const file = textOrNull(r.file);
  return { change: num(r.change, Number.NaN), ...(file === null ? {} : { file }) };
}

function normaliseSeedSpread(raw: unknown): SeedSpreadRecord | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const s = obj(raw);
  const rows = (x: unknown): number[][] => (Array.isArray(x) ? x.map(numbers) : []);
  return {
    seeds: numbers(s.seeds),
    epgm: numbers(s.epgm),
    flips: numbers(s.flips),
    epgmMean: num(s.epgmMean, Number.NaN),
    epgmStd: num(s.epgmStd, Number.NaN),
    lower: rows(s.lower),
    upper: rows(s.upper),
  };
}

/** A track run's checkpoints, or null when the record is absent or not one. */
function normaliseTrack(raw: unknown): TrackRecord | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const t = obj(raw);
  return {
    order: t.order === 'epoch' || t.order === 'step' ? t.order : 'mtime',
    checkpoints: (Array.isArray(t.checkpoints) ? t.checkpoints : []).map((c) => {
      const checkpoint = obj(c);
      return {
        file: text(checkpoint.file),
        epoch: numOrNull(checkpoint.epoch),
        step: numOrNull(checkpoint.step),
        mtime: text(checkpoint.mtime),
      };
    }),
  };
}

/** The entries of an object whose values are finite numbers. */
function finiteEntries(raw: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(obj(raw))) {
    if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  }
  return out;
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
  const labels = Array.isArray(m.labels) ? texts(m.labels) : null;
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
    warnings: texts(m.warnings),
  };
}

// The saved explanation: `NAME.propsweep.json` with its frames beside it. A reviewable file:
// pretty-printed with sorted keys, frame paths relative to the file, the classifier's sha256, the
// seed, the editor and its parameters. Files from others are untrusted input: validated here.
import { isPlainObject as isRecord, shown } from './coerce';
import { isMeasureJson, type MeasureJson } from './result';

/** The format version this build writes and reads. */
export const RESULT_FILE_VERSION = 1;

/** One image of the path, with the edit-quality numbers of that step. */
export interface FrameRecord {
  /** PNG path relative to the result file, inside its folder. */
  readonly file: string;
  readonly strength: number;
  /** The editor parameter at this step (factor, degrees, alpha, ...). */
  readonly parameter: number;
  /** Mean absolute change against the source, 0..1, inside the mask (or everywhere). */
  readonly changeInside: number;
  /** The same outside the mask; null for global edits. */
  readonly changeOutside: number | null;
}

/** Whether the edit changed only what it was meant to. */
export interface EditQuality {
  readonly masked: boolean;
  /** Largest outside / inside change over the steps that changed the inside; null if none did. */
  readonly leakage: number | null;
  readonly clean: boolean;
  /** Why the edit is not clean, or that it changed nothing; null when there is nothing to say. */
  readonly message: string | null;
}

/** A file besides the model's own that decides its answers (a CLIP model's prompts). */
export interface ModelFileRecord {
  /** What the file is to the classifier: 'prompts'. */
  readonly role: string;
  /** As `path`: relative to the result file, or absolute. */
  readonly path: string;
  readonly sha256: string;
}

/** One classifier's view of the path. */
export interface ModelRecord {
  readonly name: string;
  /** The classifier's kind: 'onnx' (also when absent, in results made before kinds), 'command', 'clip'. */
  readonly kind?: 'onnx' | 'command' | 'clip';
  /**
   * The file that is the classifier, as given (relative to the result file or absolute): the ONNX
   * model, the checkpoint a command loads (empty when it names none), a CLIP model's model.onnx.
   */
  readonly path: string;
  readonly sha256: string;
  /** The command line of a classifier command, `{checkpoint}` replaced. */
  readonly command?: readonly string[];
  /** Other files that decide its answers, checked for staleness with `path`. */
  readonly files?: readonly ModelFileRecord[];
  readonly provider: string;
  readonly fallbackReason: string | null;
  readonly labels: readonly string[];
  readonly predictions: readonly (readonly number[])[];
  readonly measure: MeasureJson;
  readonly inferenceMs: number;
  readonly notes: readonly string[];
  /** The prediction on the source itself, when the source is not the first frame. */
  readonly sourcePrediction?: readonly number[];
  /** Present when the path was also made with other seeds (explain --seeds K). */
  readonly seedSpread?: SeedSpreadRecord;
}

/** A file that made the frames (an overlay, a network of the editor model), by content. */
export interface ContentFile {
  /** The parameter that names it, or its path inside the editor model's folder. */
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** The content of the files an editor's parameters name, and one digest over them. */
export interface ContentRecord {
  readonly sha256: string;
  readonly files: readonly ContentFile[];
}

/** What a model-based editor did in the run that made the frames. */
export interface EditorRunRecord {
  /** [width, height] of the frames it made (its working size). */
  readonly size: readonly [number, number];
  readonly provider: string;
  readonly fallbackReason: string | null;
  /** Frames made, UNet calls, image evaluations, denoising steps, largest batch... */
  readonly counts: Readonly<Record<string, number>>;
  /** Milliseconds per phase (text, image, unet, denoise, decode, load...). */
  readonly phasesMs: Readonly<Record<string, number>>;
  readonly notes: readonly string[];
}

/** The jump from the source to the first frame, for editors whose strength 0 is not the source. */
export interface ReconstructionRecord {
  /** Mean absolute change, 0..1, from the source (at the frames' size) to the first frame. */
  readonly change: number;
  /**
   * The source at the frames' size, PNG relative to the result file (inside its folder, as the
   * frames); absent until the result is written.
   */
  readonly file?: string;
}

/**
 * The same path made with other seeds of the editor (its own noise floor): a difference between
 * seeds is the editor's, not the classifier's.
 */
export interface SeedSpreadRecord {
  /** The seeds of the paths, the result's own (the frames shown) first. */
  readonly seeds: readonly number[];
  /** EPGM of the whole prediction on each seed's path, in the order of `seeds`. */
  readonly epgm: readonly number[];
  /** Prediction flips on each seed's path. */
  readonly flips: readonly number[];
  readonly epgmMean: number;
  /** Sample standard deviation over the seeds (0 for one seed). */
  readonly epgmStd: number;
  /** Per frame and output, the smallest and the largest prediction over the seeds: the band. */
  readonly lower: readonly (readonly number[])[];
  readonly upper: readonly (readonly number[])[];
}

/** Where one checkpoint of a track run lies in training. */
export interface TrackCheckpoint {
  /** The checkpoint as given: relative to the result file, or absolute. */
  readonly file: string;
  /** The epoch parsed from the file name (src/shared/checkpoints.ts), or null. */
  readonly epoch: number | null;
  /** The step parsed from the file name, or null. */
  readonly step: number | null;
  /** The file's modification time, ISO 8601. */
  readonly mtime: string;
}

/** A training-dynamics run: the same edited path classified by a series of checkpoints. */
export interface TrackRecord {
  /** How the checkpoints are ordered: the epoch or the step in their names, else modification time. */
  readonly order: 'epoch' | 'step' | 'mtime';
  /** One per model, in the order of `models` (training order): where each lies in training. */
  readonly checkpoints: readonly TrackCheckpoint[];
}

/** The whole saved explanation. */
export interface ResultFile {
  readonly propsweep: number;
  readonly created: string;
  readonly image: {
    readonly path: string;
    readonly sha256: string;
    readonly width: number;
    readonly height: number;
  };
  readonly mask: { readonly path: string; readonly sha256: string } | null;
  readonly editor: {
    readonly id: string;
    readonly title: string;
    readonly params: Readonly<Record<string, string | number | boolean>>;
    readonly parameterName: string;
    readonly identityAtZero: boolean;
    readonly seed: number;
    /** The content of the files the parameters name (absent when they name none). */
    readonly content?: ContentRecord;
    /** What a model-based editor did (absent when every frame came from the cache). */
    readonly run?: EditorRunRecord;
  };
  /** Present when the editor's first frame is not the source (a diffusion editor). */
  readonly reconstruction?: ReconstructionRecord;
  readonly frames: readonly FrameRecord[];
  readonly quality: EditQuality;
  readonly models: readonly ModelRecord[];
  readonly timings: Readonly<Record<string, number>>;
  /** Present for a track run (propsweep track, Watch Checkpoints): one entry per model. */
  readonly track?: TrackRecord;
}

/** Upper bounds for files from elsewhere: a result is small; refuse what is not. */
export const RESULT_LIMITS = {
  bytes: 64 * 1024 * 1024,
  frames: 4096,
  /** Classifiers of one result: a track run has one per checkpoint of a long training run. */
  models: 512,
  outputs: 100_000,
  /** Paths of a seed spread (explain --seeds K). */
  seeds: 64,
  /** Files of an editor's content record (an editor model has a dozen). */
  contentFiles: 256,
  /** Words of a classifier command line. */
  commandWords: 256,
  /** Entries of a run's counts or phases. */
  runEntries: 64,
  /** Notes of an editor run. */
  notes: 64,
  /** Characters of a name, a key, a provider or a digest. */
  name: 512,
  /** Characters of a note or a reason. */
  text: 4000,
  /** Pixels of a side of the editor's working size. */
  side: 65_536,
} as const;

/**
 * Checks an untrusted parsed result file; returns the problems found (empty when valid). Frame
 * paths must be plain relative paths inside the result's folder.
 */
export function validateResultFile(x: unknown): string[] {
  const problems: string[] = [];
  if (typeof x !== 'object' || x === null || Array.isArray(x))
    return ['the file is not a JSON object'];
  const r = x as Record<string, unknown>;
  if (r.propsweep !== RESULT_FILE_VERSION) {
    return [
      typeof r.propsweep === 'number' && r.propsweep > RESULT_FILE_VERSION
        ? `it was written by a newer propsweep (format ${r.propsweep}, this one reads ${RESULT_FILE_VERSION}): update the extension`
        : `it is not a propsweep result (format ${r.propsweep === undefined ? 'missing' : shown(r.propsweep)}, expected ${RESULT_FILE_VERSION})`,
    ];
  }
  const frames = r.frames;
  if (!Array.isArray(frames) || frames.length < 3 || frames.length > RESULT_LIMITS.frames) {
    problems.push(`"frames" must list 3 to ${RESULT_LIMITS.frames} images`);
  } else {
    frames.forEach((f: unknown, i) => {
      const frame = f as Record<string, unknown> | null;
      if (
        typeof frame !== 'object' ||
        frame === null ||
        // 1e999 in a file parses as Infinity: a strength or parameter must be a real number.
        !Number.isFinite(frame.strength) ||
        !Number.isFinite(frame.parameter)
      ) {
        problems.push(`frames[${i}] is not a frame record`);
      } else if (!isSafeRelativePath(frame.file)) {
        problems.push(
          `frames[${i}].file must be a relative path inside the result's folder, got ${shown(frame.file)}`,
        );
      }
    });
  }
  const models = r.models;
  if (!Array.isArray(models) || models.length === 0 || models.length > RESULT_LIMITS.models) {
    problems.push(`"models" must list 1 to ${RESULT_LIMITS.models} classifiers`);
  } else {
    models.forEach((m: unknown, i) => {
      const model = m as Record<string, unknown> | null;
      if (
        typeof model !== 'object' ||
        model === null ||
        typeof model.sha256 !== 'string' ||
        typeof model.name !== 'string'
      ) {
        problems.push(`models[${i}] is not a model record`);
        return;
      }
      if (!isMeasureJson(model.measure)) problems.push(`models[${i}].measure is not a measurement`);
      const predictions = model.predictions;
      const width =
        Array.isArray(predictions) && Array.isArray(predictions[0]) ? predictions[0].length : 0;
      if (
        !Array.isArray(predictions) ||
        (Array.isArray(frames) && predictions.length !== frames.length) ||
        width < 1 ||
        width > RESULT_LIMITS.outputs ||
        // A score a classifier gave is finite (the pipeline refuses NaN and Infinity), and every
        // frame has one per output: ragged or infinite rows would be drawn and measured as NaN.
        !predictions.every((row) => isFiniteRow(row, width))
      ) {
        problems.push(
          `models[${i}].predictions must have one row per frame of the same 1 to ${RESULT_LIMITS.outputs} finite numbers`,
        );
      }
    });
  }
  const editor = r.editor as Record<string, unknown> | null | undefined;
  if (
    typeof editor !== 'object' ||
    editor === null ||
    typeof editor.id !== 'string' ||
    typeof editor.seed !== 'number'
  ) {
    problems.push('"editor" must name the editor and its seed');
  } else {
    if (editor.content !== undefined) problems.push(...contentProblems(editor.content));
    if (editor.run !== undefined) problems.push(...runProblems(editor.run));
  }
  if (r.reconstruction !== undefined) problems.push(...reconstructionProblems(r.reconstruction));
  if (Array.isArray(models) && Array.isArray(frames) && models.length <= RESULT_LIMITS.models) {
    models.forEach((m: unknown, i) => {
      if (!isRecord(m)) return;
      const width =
        Array.isArray(m.predictions) && Array.isArray(m.predictions[0])
          ? m.predictions[0].length
          : 0;
      if (m.sourcePrediction !== undefined && !isFiniteRow(m.sourcePrediction, width))
        problems.push(
          `models[${i}].sourcePrediction must be ${width} numbers, one per output of its predictions`,
        );
      if (m.seedSpread !== undefined)
        problems.push(
          ...seedSpreadProblems(m.seedSpread, frames.length, width).map(
            (p) => `models[${i}].seedSpread${p}`,
          ),
        );
      problems.push(...modelKindProblems(m).map((p) => `models[${i}]${p}`));
    });
  }
  if (r.track !== undefined)
    problems.push(...trackProblems(r.track, Array.isArray(models) ? models.length : 0));
  return problems;
}

/** A name as a file may hold it (a model's, an editor's): at most RESULT_LIMITS.name characters. */
export function isName(x: unknown): x is string {
  return typeof x === 'string' && x.length <= RESULT_LIMITS.name;
}

/** A text as a file may hold it (a message, a path): at most RESULT_LIMITS.text characters. */
export function isText(x: unknown): x is string {
  return typeof x === 'string' && x.length <= RESULT_LIMITS.text;
}

/** A whole number from 0 that JSON keeps exactly. */
export function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** `n` finite numbers (any count when n is undefined, up to RESULT_LIMITS.outputs). */
function isFiniteRow(x: unknown, n?: number): x is number[] {
  return (
    Array.isArray(x) &&
    x.length <= RESULT_LIMITS.outputs &&
    (n === undefined || x.length === n) &&
    x.every((v) => typeof v === 'number' && Number.isFinite(v))
  );
}

/** A map of at most RESULT_LIMITS.runEntries short names to finite numbers. */
function isNumberMap(x: unknown): boolean {
  if (!isRecord(x)) return false;
  const entries = Object.entries(x);
  return (
    entries.length <= RESULT_LIMITS.runEntries &&
    entries.every(([k, v]) => isName(k) && typeof v === 'number' && Number.isFinite(v))
  );
}

/** The kind of a model record, a command's words and the other files it depends on. */
function modelKindProblems(m: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (m.kind !== undefined && m.kind !== 'onnx' && m.kind !== 'command' && m.kind !== 'clip')
    problems.push('.kind must be onnx, command or clip');
  if (
    m.command !== undefined &&
    (!Array.isArray(m.command) ||
      m.command.length === 0 ||
      m.command.length > RESULT_LIMITS.commandWords ||
      !m.command.every(isText))
  )
    problems.push(`.command must be 1 to ${RESULT_LIMITS.commandWords} words of text`);
  if (m.files !== undefined) {
    if (!Array.isArray(m.files) || m.files.length > RESULT_LIMITS.contentFiles) {
      problems.push(`.files must list at most ${RESULT_LIMITS.contentFiles} files`);
    } else {
      const bad = m.files.findIndex(
        (f: unknown) => !isRecord(f) || !isName(f.role) || !isText(f.path) || !isName(f.sha256),
      );
      if (bad >= 0) problems.push(`.files[${bad}] must be {role, path, sha256}`);
    }
  }
  return problems;
}

function contentProblems(x: unknown): string[] {
  if (!isRecord(x) || !isName(x.sha256) || !Array.isArray(x.files))
    return ['editor.content must be {sha256, files}'];
  if (x.files.length > RESULT_LIMITS.contentFiles)
    return [`editor.content.files lists more than ${RESULT_LIMITS.contentFiles} files`];
  const bad = x.files.findIndex(
    (f: unknown) => !isRecord(f) || !isName(f.name) || !isCount(f.bytes) || !isName(f.sha256),
  );
  return bad < 0 ? [] : [`editor.content.files[${bad}] must be {name, bytes, sha256}`];
}

function runProblems(x: unknown): string[] {
  if (!isRecord(x)) return ['editor.run must be an object'];
  const problems: string[] = [];
  const size = x.size;
  if (
    !Array.isArray(size) ||
    size.length !== 2 ||
    !size.every((v) => isCount(v) && v > 0 && v <= RESULT_LIMITS.side)
  )
    problems.push('editor.run.size must be [width, height] in pixels');
  if (!isName(x.provider)) problems.push('editor.run.provider must be a name');
  if (x.fallbackReason !== null && !isText(x.fallbackReason))
    problems.push('editor.run.fallbackReason must be text or null');
  for (const key of ['counts', 'phasesMs'] as const) {
    if (!isNumberMap(x[key]))
      problems.push(
        `editor.run.${key} must map at most ${RESULT_LIMITS.runEntries} names to numbers`,
      );
  }
  if (!Array.isArray(x.notes) || x.notes.length > RESULT_LIMITS.notes || !x.notes.every(isText))
    problems.push(`editor.run.notes must be at most ${RESULT_LIMITS.notes} texts`);
  return problems;
}

function reconstructionProblems(x: unknown): string[] {
  if (!isRecord(x) || typeof x.change !== 'number' || !(x.change >= 0 && x.change <= 1))
    return ['reconstruction.change must be a number from 0 to 1'];
  if (x.file !== undefined && !isSafeRelativePath(x.file))
    return [
      `reconstruction.file must be a relative path inside the result's folder, got ${shown(x.file)}`,
    ];
  return [];
}

const TRACK_ORDERS: readonly unknown[] = ['epoch', 'step', 'mtime'];

/** A count from a checkpoint's name (an epoch or a step), or null. */
function isCounter(x: unknown): boolean {
  return x === null || (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0);
}

/** An ISO 8601 time as Date#toISOString writes it (years 0000 to 9999). */
export function isIsoTime(x: unknown): boolean {
  return (
    typeof x === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/.test(x) &&
    Number.isFinite(Date.parse(x))
  );
}

/** The problems of a track record, one checkpoint per model (empty when valid). */
export function trackProblems(x: unknown, models: number): string[] {
  if (!isRecord(x) || !TRACK_ORDERS.includes(x.order) || !Array.isArray(x.checkpoints))
    return ['track must be {order: epoch, step or mtime, checkpoints}'];
  if (x.checkpoints.length !== models)
    return [
      `track.checkpoints must have one entry per model (${models}), got ${x.checkpoints.length}`,
    ];
  const bad = x.checkpoints.findIndex(
    (c: unknown) =>
      !isRecord(c) ||
      !isText(c.file) ||
      c.file === '' ||
      c.file.includes('\0') ||
      !isCounter(c.epoch) ||
      !isCounter(c.step) ||
      !isIsoTime(c.mtime),
  );
  if (bad >= 0)
    return [
      `track.checkpoints[${bad}] must be {file, epoch, step, mtime}: a file path, whole numbers or null, an ISO time`,
    ];
  // The order names the counter the panel's axis shows: every checkpoint must have it.
  const { order } = x;
  const missing =
    order === 'mtime'
      ? -1
      : x.checkpoints.findIndex((c: Record<string, unknown>) => c[order as string] === null);
  return missing < 0
    ? []
    : [`track.checkpoints[${missing}] has no ${String(order)}, but the track is ordered by it`];
}

/** The problems of a seed spread, each starting with the field (after `seedSpread`). */
function seedSpreadProblems(x: unknown, frames: number, outputs: number): string[] {
  if (!isRecord(x)) return [' must be an object'];
  const problems: string[] = [];
  const { seeds, epgm, flips } = x;
  if (
    !Array.isArray(seeds) ||
    seeds.length === 0 ||
    seeds.length > RESULT_LIMITS.seeds ||
    !seeds.every((s) => typeof s === 'number' && Number.isSafeInteger(s))
  ) {
    problems.push(`.seeds must list 1 to ${RESULT_LIMITS.seeds} whole numbers`);
  } else {
    if (!isFiniteRow(epgm, seeds.length))
      problems.push(`.epgm must be ${seeds.length} numbers, one per seed`);
    if (!Array.isArray(flips) || flips.length !== seeds.length || !flips.every(isCount))
      problems.push(`.flips must be ${seeds.length} counts, one per seed`);
  }
  if (typeof x.epgmMean !== 'number' || !Number.isFinite(x.epgmMean))
    problems.push('.epgmMean must be a number');
  if (typeof x.epgmStd !== 'number' || !(x.epgmStd >= 0 && Number.isFinite(x.epgmStd)))
    problems.push('.epgmStd must be a number from 0');
  for (const key of ['lower', 'upper'] as const) {
    const band = x[key];
    if (
      !Array.isArray(band) ||
      band.length !== frames ||
      !band.every((row) => isFiniteRow(row, outputs))
    )
      problems.push(`.${key} must have one row of ${outputs} numbers per frame`);
  }
  return problems;
}

/** A relative path with no parent steps, no drive or root, no backslashes: stays in its folder. */
export function isSafeRelativePath(p: unknown): p is string {
  return (
    typeof p === 'string' &&
    p.length > 0 &&
    p.length < 512 &&
    !p.startsWith('/') &&
    !p.includes('\\') &&
    !p.includes('\0') &&
    !/^[a-zA-Z]:/.test(p) &&
    p.split('/').every((part) => part !== '..' && part !== '.' && part !== '')
  );
}

/** JSON with keys sorted at every level and two-space indentation: stable diffs in review. */
export function stableStringify(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

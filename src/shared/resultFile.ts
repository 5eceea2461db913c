// The saved explanation: `NAME.propsweep.json` with its frames beside it. A reviewable file:
// pretty-printed with sorted keys, frame paths relative to the file, the classifier's sha256, the
// seed, the editor and its parameters. Files from others are untrusted input: validated here.
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

/** One classifier's view of the path. */
export interface ModelRecord {
  readonly name: string;
  /** As given (relative to the workspace or absolute). */
  readonly path: string;
  readonly sha256: string;
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
}

/** Upper bounds for files from elsewhere: a result is small; refuse what is not. */
export const RESULT_LIMITS = {
  bytes: 64 * 1024 * 1024,
  frames: 4096,
  models: 64,
  outputs: 100_000,
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
        : `it is not a propsweep result (format ${r.propsweep === undefined ? 'missing' : JSON.stringify(r.propsweep)}, expected ${RESULT_FILE_VERSION})`,
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
        typeof frame.strength !== 'number' ||
        typeof frame.parameter !== 'number'
      ) {
        problems.push(`frames[${i}] is not a frame record`);
      } else if (!isSafeRelativePath(frame.file)) {
        problems.push(
          `frames[${i}].file must be a relative path inside the result's folder, got ${JSON.stringify(frame.file)}`,
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
      if (
        !Array.isArray(predictions) ||
        (Array.isArray(frames) && predictions.length !== frames.length) ||
        !predictions.every(
          (row) =>
            Array.isArray(row) &&
            row.length <= RESULT_LIMITS.outputs &&
            row.every((v) => typeof v === 'number'),
        )
      ) {
        problems.push(`models[${i}].predictions must have one row of numbers per frame`);
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

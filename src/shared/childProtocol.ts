// Messages between the extension host (or the CLI) and the forked inference child process.
// Every request carries an id and is answered by exactly one `run/result`; an explanation that
// asks for it is previewed first (`run/preview`), before its frames are written.
import { isAdjustment } from './adjust';
import { isSafeId, shown } from './coerce';
import {
  EXECUTION_PROVIDERS,
  isExecutionProvider,
  type ExecutionProvider,
} from './executionProviders';
import { FOLDER_LIMITS, validateFolderFile, type FolderFile, type ShardRecord } from './folderFile';
import { previewFramesProblem, type PreviewFrame } from './previewFrames';
import { isMeasureJson, type MeasureJson } from './result';
import {
  RESULT_LIMITS,
  trackProblems,
  validateResultFile,
  type ResultFile,
  type TrackRecord,
} from './resultFile';
import { resultNameProblem } from './names';
import { shardProblem } from './shard';

/** Bumped whenever a message changes shape; the child announces it in `child/ready`. */
export const CHILD_PROTOCOL_VERSION = 4;

/** The argument that asks the child to run below normal priority (InferenceChild.start). */
export const BACKGROUND_FLAG = '--background';

/** The measurement options that cross the process boundary. */
export interface MeasureRequestOptions {
  readonly legacy?: boolean;
  readonly output?: number;
  readonly permutations?: number;
  readonly seed?: number;
  readonly alpha?: number;
  readonly edgeOrder?: 1 | 2;
  readonly period?: number;
  readonly threshold?: number;
}

/** Measure predictions that were computed elsewhere. */
export interface MeasureRun {
  readonly type: 'measure/run';
  readonly predictions: unknown;
  readonly strengths?: readonly unknown[];
  readonly labels?: readonly string[];
  readonly options: MeasureRequestOptions;
}

/** Preprocessing given on the command line or in settings; overrides the model's sidecar. */
export interface PreprocessOverrides {
  readonly size?: readonly [number, number];
  readonly mean?: readonly [number, number, number];
  readonly std?: readonly [number, number, number];
  readonly labels?: readonly string[];
  readonly resize?: 'fill' | 'cover' | 'contain';
  readonly softmax?: boolean;
}

/** The kinds of classifier: an ONNX file, the user's own command, a CLIP model with prompts. */
export const CLASSIFIER_KINDS = ['onnx', 'command', 'clip'] as const;

/** One of CLASSIFIER_KINDS. */
export type ClassifierKind = (typeof CLASSIFIER_KINDS)[number];

/** An ONNX image classifier file (with its sidecar MODEL.json). */
export interface OnnxModelSpec {
  readonly kind?: 'onnx';
  readonly path: string;
  /** Shown in tables; defaults to the file name without .onnx. */
  readonly name?: string;
  readonly overrides?: PreprocessOverrides;
}

/**
 * The user's own classifier process (a PyTorch checkpoint through their script), spoken to in the
 * classifier command protocol (README "Classifier commands"). Run without a shell.
 */
export interface CommandModelSpec {
  readonly kind: 'command';
  /** Program and arguments; `{checkpoint}` in an argument is replaced by the checkpoint's path. */
  readonly command: readonly string[];
  /** The checkpoint file, when the command names one. */
  readonly checkpoint?: string;
  /** Working folder of the process (default: the current folder; VS Code sends the workspace's). */
  readonly cwd?: string;
  /** Shown in tables; defaults to the checkpoint's file name, else the program's. */
  readonly name?: string;
  /** Seconds to wait for the command's hello (default 120: importing torch is slow). */
  readonly helloSeconds?: number;
  /** Seconds to wait for each batch's answer (default 600). */
  readonly batchSeconds?: number;
}

/** A CLIP model as a zero-shot classifier over the user's prompts. */
export interface ClipModelSpec {
  readonly kind: 'clip';
  /** The folder of the export (model.onnx, tokenizer, preprocessor_config.json). */
  readonly path: string;
  /** The prompts file: one per line, `class: prompt` to group several prompts into a class. */
  readonly prompts: string;
  /** softmax over classes with the model's logit scale (default), or cosine similarity per prompt. */
  readonly output?: 'softmax' | 'similarity';
  /** Shown in tables; defaults to the folder's name. */
  readonly name?: string;
}

/** A classifier to run. */
export type ModelSpec = OnnxModelSpec | CommandModelSpec | ClipModelSpec;

/** What is wrong with a model spec from the host, or null. */
export function modelSpecProblem(x: unknown): string | null {
  if (typeof x !== 'object' || x === null) return 'a model is not an object';
  const m = x as Record<string, unknown>;
  const strings = (v: unknown): boolean =>
    Array.isArray(v) && v.every((s) => typeof s === 'string');
  const optional = (v: unknown, type: 'string' | 'number'): boolean =>
    v === undefined || typeof v === type;
  if (!optional(m.name, 'string')) return 'a model name must be text';
  switch (m.kind) {
    case undefined:
    case 'onnx':
      return typeof m.path === 'string' ? null : 'an ONNX model needs a path';
    case 'command':
      // The result records the command line: one it cannot hold failed only after the whole run.
      return strings(m.command) &&
        (m.command as unknown[]).length > 0 &&
        (m.command as string[]).length <= RESULT_LIMITS.commandWords &&
        (m.command as string[]).every((word) => word.length <= RESULT_LIMITS.text) &&
        optional(m.checkpoint, 'string') &&
        optional(m.cwd, 'string') &&
        optional(m.helloSeconds, 'number') &&
        optional(m.batchSeconds, 'number')
        ? null
        : `a classifier command needs a non-empty command list of 1 to ${RESULT_LIMITS.commandWords} words of at most ${RESULT_LIMITS.text} characters (and checkpoint, cwd, helloSeconds, batchSeconds of their types, if given)`;
    case 'clip':
      return typeof m.path === 'string' &&
        typeof m.prompts === 'string' &&
        (m.output === undefined || m.output === 'softmax' || m.output === 'similarity')
        ? null
        : 'a CLIP model needs a path and a prompts file (and output softmax or similarity, if given)';
    default:
      return `unknown model kind ${shown(m.kind)}; one of ${CLASSIFIER_KINDS.join(', ')}`;
  }
}

/** Edit an image, classify every step with every model, measure, and write the result. */
export interface ExplainRun {
  readonly type: 'explain/run';
  readonly image: string;
  readonly mask?: string;
  readonly editor: string;
  readonly params: Readonly<Record<string, string | number | boolean>>;
  readonly steps: number;
  readonly seed: number;
  /** Paths made with seeds seed, seed + 1, ... (editors with randomness); 1 when absent. */
  readonly seeds?: number;
  readonly permutations: number;
  readonly alpha: number;
  readonly legacy?: boolean;
  readonly edgeOrder?: 1 | 2;
  readonly models: readonly ModelSpec[];
  readonly provider: ExecutionProvider;
  readonly deviceId?: number;
  /** Memory a model-based editor plans its batches with, in MiB (its default when absent). */
  readonly editMemoryMB?: number;
  readonly cacheDir: string;
  readonly outDir: string;
  /** File name stem of the result (NAME.propsweep.json). */
  readonly name: string;
  /**
   * Send `run/preview` once the measures are done, before the frames are written (the panel
   * shows the answer while they are; the command line, which has nothing to show, does not ask).
   */
  readonly preview?: boolean;
  /**
   * A track run (propsweep track, Watch Checkpoints): the models are checkpoints in training
   * order, one entry each here; copied into the result with each file made relative to it.
   */
  readonly track?: TrackRecord;
}

/**
 * Explain every image of a folder (or a shard of it) with the same editor and classifiers, into
 * `outDir/images/<key>/`, and write the summary `outDir/NAME.propsweep-folder.json`. Resumes a
 * run with the same settings that stopped in `outDir`; refuses one with other settings.
 */
export interface ExplainFolderRun extends Omit<
  ExplainRun,
  'type' | 'image' | 'mask' | 'name' | 'track' | 'preview'
> {
  readonly type: 'explainFolder/run';
  /** The folder of images; masks beside them as `NAME.mask.png`. */
  readonly folder: string;
  /** Also the images in its subfolders (hidden and symlinked folders are not entered). */
  readonly recursive: boolean;
  /** Only the first N images by sorted path (before sharding); null for all. */
  readonly limit: number | null;
  /** Only every image whose index in sorted order is index - 1 modulo count; null for all. */
  readonly shard: ShardRecord | null;
  /** How p-values are adjusted over the images, per classifier. */
  readonly adjustment: 'holm' | 'bh';
  /** File name stem of the summary (NAME.propsweep-folder.json). */
  readonly name: string;
}

/** Host to child. */
export type HostToChild =
  | ({ readonly id: number } & MeasureRun)
  | ({ readonly id: number } & ExplainRun)
  | ({ readonly id: number } & ExplainFolderRun)
  | { readonly type: 'run/cancel'; readonly id: number };

/** What a finished request answers. */
export type RunValue =
  | { readonly kind: 'measure'; readonly result: MeasureJson }
  | {
      readonly kind: 'explain';
      readonly resultPath: string;
      readonly reportPath: string;
      readonly result: ResultFile;
    }
  | {
      readonly kind: 'folder';
      /** The summary file written (absolute). */
      readonly summaryPath: string;
      readonly file: FolderFile;
    };

/** Longer help for an error, offered as a button: 'editor-model' is how to export a diffusion model. */
export const ERROR_HELP = ['editor-model'] as const;

/** One of ERROR_HELP. */
export type ErrorHelpTopic = (typeof ERROR_HELP)[number];

/** The VS Code command that shows each help topic (registered by the extension). */
export const HELP_COMMANDS: Readonly<Record<ErrorHelpTopic, string>> = {
  'editor-model': 'propsweep.showEditorModelHelp',
};

/** An error as it crosses the boundary: `input` errors are the user's to fix. */
export interface ChildError {
  readonly kind: 'input' | 'cancelled' | 'internal';
  readonly message: string;
  /** Where to read how to fix it, when there is more to say than the message. */
  readonly help?: ErrorHelpTopic;
}

/** Progress of a request. */
export interface RunProgress {
  readonly message: string;
  readonly phase?: string;
  readonly done?: number;
  readonly total?: number;
}

/**
 * An explanation before its frames are written: the result as it will be saved, except for the
 * frames' `file` fields (placeholders until the files exist), and every frame downscaled.
 */
export interface RunPreview {
  readonly result: ResultFile;
  readonly frames: readonly PreviewFrame[];
}

/** Child to host. */
export type ChildToHost =
  | { readonly type: 'child/ready'; readonly version: number; readonly pid: number }
  | ({ readonly type: 'run/progress'; readonly id: number } & RunProgress)
  | ({ readonly type: 'run/preview'; readonly id: number } & RunPreview)
  | {
      readonly type: 'run/result';
      readonly id: number;
      readonly ok: true;
      readonly value: RunValue;
    }
  | {
      readonly type: 'run/result';
      readonly id: number;
      readonly ok: false;
      readonly error: ChildError;
    };

/**
 * Longest texts the child sends: a progress line (a path in it included) and an error (an
 * internal one with its stack). A message quoting what a file or a classifier command said is
 * cut to these by `boundedTexts` before it is sent; the host refuses longer ones.
 */
export const CHILD_TEXT_LIMITS = { progress: 2_000, phase: 100, error: 16_000 } as const;

/** `text`, or its head and how much was cut, within `max` characters. */
function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  // Room for the longest tail (all but nothing cut); the tail then says what was.
  let keep = Math.max(0, max - ` ... (${text.length} more characters)`.length);
  // Not between the two halves of a surrogate pair (an emoji, say).
  const code = text.charCodeAt(keep - 1);
  if (keep > 0 && code >= 0xd800 && code <= 0xdbff) keep -= 1;
  const cut = text.length - keep;
  return `${text.slice(0, keep)} ... (${cut} more character${cut === 1 ? '' : 's'})`;
}

/** `message` with its progress line, phase and error message cut to CHILD_TEXT_LIMITS. */
export function boundedTexts(message: ChildToHost): ChildToHost {
  if (message.type === 'run/progress') {
    return {
      ...message,
      message: cutText(message.message, CHILD_TEXT_LIMITS.progress),
      ...(message.phase !== undefined && {
        phase: cutText(message.phase, CHILD_TEXT_LIMITS.phase),
      }),
    };
  }
  if (message.type === 'run/result' && !message.ok) {
    return {
      ...message,
      error: { ...message.error, message: cutText(message.error.message, CHILD_TEXT_LIMITS.error) },
    };
  }
  return message;
}

/** Validates a message from the child (a crashed or foreign process may send anything). */
export function isChildToHost(x: unknown): x is ChildToHost {
  return childMessageProblem(x) === null;
}

/**
 * What is wrong with a message from the child, or null when it is valid. The receiver answers
 * an invalid message that carries an id (see `messageId`) and restarts a child that sent one
 * without, so that no request waits for ever.
 */
export function childMessageProblem(x: unknown): string | null {
  return checkedSafely(() => childProblem(x));
}

/**
 * `check`'s verdict, never an exception: structured clone carries values that JSON cannot write
 * (a BigInt, a cycle), and a validator quoting one would throw out of the receiver's message
 * handler, taking the process down instead of refusing the message.
 */
function checkedSafely(check: () => string | null): string | null {
  try {
    return check();
  } catch (error) {
    return `it cannot be checked (${error instanceof Error ? error.message : String(error)})`;
  }
}

function childProblem(x: unknown): string | null {
  if (typeof x !== 'object' || x === null) return 'it is not an object';
  const m = x as Record<string, unknown>;
  switch (m.type) {
    case 'child/ready':
      return typeof m.version === 'number' && typeof m.pid === 'number'
        ? null
        : 'child/ready needs a numeric version and pid';
    case 'run/progress':
      if (messageId(m) === undefined) return 'run/progress needs a numeric id';
      return progressProblem(m);
    case 'run/preview': {
      if (messageId(m) === undefined) return 'run/preview needs a numeric id';
      const problems = validateResultFile(m.result);
      if (problems.length > 0)
        return `the preview is not a valid result (${problems.slice(0, 3).join('; ')})`;
      return previewFramesProblem(m.frames, (m.result as ResultFile).frames.length);
    }
    case 'run/result': {
      if (messageId(m) === undefined) return 'run/result needs a numeric id';
      if (m.ok === true) return runValueProblem(m.value);
      const e = m.error as Record<string, unknown> | null | undefined;
      return m.ok === false &&
        typeof e === 'object' &&
        e !== null &&
        typeof e.message === 'string' &&
        e.message.length <= CHILD_TEXT_LIMITS.error &&
        (ERROR_KINDS as readonly unknown[]).includes(e.kind) &&
        (e.help === undefined || (ERROR_HELP as readonly unknown[]).includes(e.help))
        ? null
        : `a failed run/result needs an error with a kind (input, cancelled or internal) and a message of at most ${CHILD_TEXT_LIMITS.error} characters (and help, if any, one of ${ERROR_HELP.join(', ')})`;
    }
    default:
      return `unknown message type ${shown(m.type)}`;
  }
}

/** The kinds of ChildError. */
const ERROR_KINDS: readonly ChildError['kind'][] = ['input', 'cancelled', 'internal'];

/**
 * What is wrong with a progress report, or null: a message, a phase if any, and counts if any
 * that are finite with 0 <= done <= total, so that a bar drawn from them (cli/progress.ts) is
 * never of a negative or endless length.
 */
function progressProblem(m: Record<string, unknown>): string | null {
  if (typeof m.message !== 'string' || m.message.length > CHILD_TEXT_LIMITS.progress)
    return `run/progress needs a message of at most ${CHILD_TEXT_LIMITS.progress} characters`;
  if (
    m.phase !== undefined &&
    (typeof m.phase !== 'string' || m.phase.length > CHILD_TEXT_LIMITS.phase)
  )
    return `run/progress needs its phase, if given, as text of at most ${CHILD_TEXT_LIMITS.phase} characters`;
  const count = (v: unknown): boolean =>
    v === undefined || (typeof v === 'number' && Number.isFinite(v) && v >= 0);
  const over = typeof m.done === 'number' && typeof m.total === 'number' && m.done > m.total;
  return count(m.done) && count(m.total) && !over
    ? null
    : `run/progress needs done and total, if given, as counts with done <= total, got ${shown(m.done)} of ${shown(m.total)}`;
}

/** The request id a message carries, when it carries one; invalid messages too. */
export function messageId(x: unknown): number | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const id = (x as Record<string, unknown>).id;
  return isSafeId(id) ? id : undefined;
}

function runValueProblem(x: unknown): string | null {
  if (typeof x !== 'object' || x === null) return 'the result has no value';
  const v = x as Record<string, unknown>;
  if (v.kind === 'measure') {
    return isMeasureJson(v.result) ? null : 'the measurement is not a measurement';
  }
  if (v.kind === 'folder') return folderValueProblem(v);
  if (v.kind !== 'explain') return `unknown result kind ${shown(v.kind)}`;
  if (typeof v.resultPath !== 'string' || typeof v.reportPath !== 'string') {
    return 'the explanation needs its result and report paths';
  }
  const problems = validateResultFile(v.result);
  return problems.length === 0
    ? null
    : `the explanation is not a valid result (${problems.join('; ')})`;
}

function folderValueProblem(v: Record<string, unknown>): string | null {
  if (typeof v.summaryPath !== 'string') return 'the folder run needs its summary path';
  const problems = validateFolderFile(v.file);
  return problems.length === 0
    ? null
    : `the folder run's summary is not valid (${problems.slice(0, 3).join('; ')})`;
}

/** Validates a message from the host. */
export function isHostToChild(x: unknown): x is HostToChild {
  return hostMessageProblem(x) === null;
}

/** What is wrong with a message from the host, or null when it is valid. */
export function hostMessageProblem(x: unknown): string | null {
  return checkedSafely(() => hostProblem(x));
}

function hostProblem(x: unknown): string | null {
  if (typeof x !== 'object' || x === null) return 'it is not an object';
  const m = x as Record<string, unknown>;
  if (messageId(m) === undefined) return 'it has no numeric id';
  switch (m.type) {
    case 'run/cancel':
      return null;
    case 'measure/run':
      // The measures check the predictions and strengths; the labels come back as they went.
      return typeof m.options === 'object' &&
        m.options !== null &&
        (m.strengths === undefined || Array.isArray(m.strengths)) &&
        (m.labels === undefined ||
          (Array.isArray(m.labels) && m.labels.every((l) => typeof l === 'string')))
        ? null
        : 'measure/run needs options (and strengths, if given, a list; labels, if given, a list of names)';
    case 'explain/run':
      if (!(
        typeof m.image === 'string' &&
        typeof m.name === 'string' &&
        (m.mask === undefined || typeof m.mask === 'string') &&
        (m.preview === undefined || typeof m.preview === 'boolean') &&
        explainOptionsValid(m)
      )) {
        return `explain/run needs image, editor, params, steps, seed, permutations, alpha, models (at least one, each an ONNX file, a command or a CLIP model), provider (${EXECUTION_PROVIDERS.join(', ')}), outDir, cacheDir and name (and mask, if given, a path; preview and legacy, if given, true or false; deviceId, if given, a whole number from 0; editMemoryMB, if given, 1 to 1048576)`;
      }
      // NAME.propsweep.json, NAME.frames/ and the report go into outDir: '../x' would put them beside it.
      if (resultNameProblem(m.name) !== null) {
        return `explain/run cannot name its result ${shown(m.name)}: ${resultNameProblem(m.name)}`;
      }
      return m.track === undefined
        ? null
        : (trackProblems(m.track, (m.models as unknown[]).length)[0] ?? null);
    case 'explainFolder/run':
      return folderRunProblem(m);
    default:
      return `unknown request type ${shown(m.type)}`;
  }
}

/** The options an image's and a folder's explanation share, each of its type. */
function explainOptionsValid(m: Record<string, unknown>): boolean {
  return (
    typeof m.editor === 'string' &&
    typeof m.steps === 'number' &&
    typeof m.seed === 'number' &&
    typeof m.permutations === 'number' &&
    typeof m.alpha === 'number' &&
    typeof m.params === 'object' &&
    m.params !== null &&
    Array.isArray(m.models) &&
    // None: the run was made, then its answer refused for having no model.
    m.models.length > 0 &&
    m.models.every((spec: unknown) => modelSpecProblem(spec) === null) &&
    // Any other provider ran on the CPU without a word of why.
    isExecutionProvider(m.provider) &&
    (m.deviceId === undefined || (isSafeId(m.deviceId) && m.deviceId >= 0)) &&
    (m.legacy === undefined || typeof m.legacy === 'boolean') &&
    typeof m.outDir === 'string' &&
    typeof m.cacheDir === 'string' &&
    (m.seeds === undefined || typeof m.seeds === 'number') &&
    (m.editMemoryMB === undefined ||
      (typeof m.editMemoryMB === 'number' && m.editMemoryMB >= 1 && m.editMemoryMB <= 1_048_576))
  );
}

function folderRunProblem(m: Record<string, unknown>): string | null {
  if (
    !explainOptionsValid(m) ||
    typeof m.folder !== 'string' ||
    typeof m.recursive !== 'boolean' ||
    typeof m.name !== 'string'
  ) {
    return `explainFolder/run needs folder, recursive, editor, params, steps, seed, permutations, alpha, models (at least one, each an ONNX file, a command or a CLIP model), provider (${EXECUTION_PROVIDERS.join(', ')}), outDir, cacheDir and name (and legacy, if given, true or false; deviceId, if given, a whole number from 0; editMemoryMB, if given, 1 to 1048576)`;
  }
  // More: the whole folder was explained, then its summary refused as one that cannot be opened.
  if ((m.models as unknown[]).length > FOLDER_LIMITS.models) {
    return `explainFolder/run explains at most ${FOLDER_LIMITS.models} classifiers at once (what a folder summary holds), got ${(m.models as unknown[]).length}`;
  }
  if (m.limit !== null && !(Number.isSafeInteger(m.limit) && (m.limit as number) >= 1)) {
    return 'explainFolder/run needs limit null or a whole number of at least 1';
  }
  const badShard = m.shard === null ? null : shardProblem(m.shard);
  if (badShard !== null) return `explainFolder/run needs shard null or ${badShard}`;
  if (m.adjustment === 'none' || !isAdjustment(m.adjustment)) {
    return 'explainFolder/run needs adjustment holm or bh';
  }
  return null;
}

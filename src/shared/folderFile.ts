// The saved answer over many images: `NAME.propsweep-folder.json` in a folder run's output folder,
// beside `images/` (one result folder per image, as `explain` writes them). A reviewable file like
// the single-image result: pretty-printed with sorted keys, every path relative to the file and
// inside its folder. Files from others (a pull request, a shard from a cluster) are untrusted:
// `validateFolderFile` checks and bounds everything before any of it is used.
import type { Adjustment } from './adjust';
import { isPlainObject as isRecord } from './coerce';
import { compareCodePoints } from './folderSummary';
import { LIMITS, seedsProblem, stepsProblem } from './limits';
import {
  isCount,
  isIsoTime,
  isName,
  isSafeRelativePath,
  isText,
  RESULT_LIMITS,
} from './resultFile';
import { MAX_SHARDS, shardProblem } from './shard';

/** The format version this build writes and reads. */
export const FOLDER_FILE_VERSION = 1;

/** The suffix of a folder run's summary file. */
export const FOLDER_FILE_SUFFIX = '.propsweep-folder.json';

/**
 * What must be equal for two runs' images to be measured alike: a resumed run continues only a
 * run with the same settings, and `merge` joins only shards with the same settings.
 */
export interface FolderSettings {
  readonly editor: string;
  /** The editor's resolved parameters (defaults filled in). */
  readonly params: Readonly<Record<string, string | number | boolean>>;
  /**
   * The digest of the content of the files the parameters name (an overlay, a diffusion model's
   * folder; the result file's editor.content.sha256), or null when they name none. A parameter
   * keeps a file's name while its bytes change: this tells a resume or a merge that the edits
   * differ. Absent in a summary read as null.
   */
  readonly content?: string | null;
  readonly steps: number;
  readonly seed: number;
  /** Paths made per image (explain --seeds K); 1 for one. */
  readonly seeds: number;
  readonly permutations: number;
  readonly alpha: number;
  readonly legacy: boolean;
  readonly adjustment: Exclude<Adjustment, 'none'>;
  /** The classifiers, in order: name, kind and the digest that identifies what they compute. */
  readonly models: readonly FolderModelSettings[];
}

/** One classifier of a folder run, as its settings identify it. */
export interface FolderModelSettings {
  readonly name: string;
  readonly kind: 'onnx' | 'command' | 'clip';
  /** The model file's sha256 (a command: of its checkpoint, or of its command line). */
  readonly sha256: string;
  /** sha256 of the other files that decide its answers (a CLIP model's prompts), in order. */
  readonly files: readonly string[];
}

/** Which share of the folder a run took (`--shard index/count`, index from 1). */
export interface ShardRecord {
  readonly index: number;
  readonly count: number;
}

/** One classifier's answer on one image, as the summary table shows it. */
export interface FolderModelRow {
  readonly model: string;
  readonly epgm: number;
  readonly p_value: number;
  /** p adjusted over every measured image of this classifier (settings.adjustment). */
  readonly p_adjusted: number;
  /** p_adjusted <= settings.alpha. */
  readonly significant: boolean;
  /** Changes of predicted class along the path (0 when the classifier has one output). */
  readonly flips: number;
  /**
   * The score of the class predicted on the first step, at every step: the curve the summary
   * averages (one class per image, so that images of different classes average alike).
   */
  readonly curve: readonly number[];
}

/** One image of the folder: measured, skipped (a needed mask missing) or failed. */
export interface FolderImageRow {
  /** The image relative to the folder that was explained, '/'-separated. */
  readonly image: string;
  readonly status: 'done' | 'skipped' | 'failed';
  /** sha256 of the image file (empty when it could not be read). */
  readonly sha256: string;
  /** The image's result file relative to the summary file (images/.../X.propsweep.json); null unless done. */
  readonly result_file: string | null;
  /** A small PNG of the source relative to the summary file; null unless done. */
  readonly thumbnail: string | null;
  /** Why it was skipped or failed; null when done. */
  readonly reason: string | null;
  /** Done by an earlier, interrupted run with the same settings and not recomputed. */
  readonly resumed: boolean;
  readonly models: readonly FolderModelRow[];
}

/** A proportion with its 95% Wilson score interval. */
export interface Proportion {
  readonly count: number;
  readonly total: number;
  /** count / total (0 when total is 0). */
  readonly rate: number;
  readonly low: number;
  readonly high: number;
}

/** What one classifier does over the measured images. */
export interface FolderModelSummary {
  readonly model: string;
  /** Measured images (done) this summary is over. */
  readonly images: number;
  readonly epgm_mean: number;
  readonly epgm_median: number;
  readonly epgm_q1: number;
  readonly epgm_q3: number;
  /** Images whose adjusted p is at most alpha. */
  readonly significant: Proportion;
  /** Images with at least one prediction flip. */
  readonly flipped: Proportion;
  /** Mean of the rows' `curve` at each step. */
  readonly mean_curve: readonly number[];
  /** Pointwise 95% confidence interval of that mean (normal approximation; equal to it for one image). */
  readonly curve_low: readonly number[];
  readonly curve_high: readonly number[];
}

/** The counts of a run and the answer per classifier. */
export interface FolderSummary {
  readonly images: number;
  readonly done: number;
  readonly skipped: number;
  readonly failed: number;
  /** Images whose results an earlier run had written and this one reused. */
  readonly resumed: number;
  readonly models: readonly FolderModelSummary[];
}

/** `NAME.propsweep-folder.json`. */
export interface FolderFile {
  readonly propsweep_folder: number;
  readonly created: string;
  /** The folder that was explained, as given (absolute, or relative to the summary file). */
  readonly folder: string;
  readonly recursive: boolean;
  readonly limit: number | null;
  /** The shard this run took, or null for the whole folder (also after a merge). */
  readonly shard: ShardRecord | null;
  /** Shards joined by `merge`, in index order; empty for a run. */
  readonly merged: readonly ShardRecord[];
  /**
   * The images the run selected (its share after --limit and --shard, skipped ones included; the
   * shards' sum after a merge). More than the rows when the run was stopped before it finished:
   * a merge refuses such a shard rather than answer quietly for fewer images.
   */
  readonly listed: number;
  readonly settings: FolderSettings;
  /** Step strengths, as in every image's result (the x of the curves). */
  readonly strengths: readonly number[];
  /** Class names of each classifier, in settings.models order. */
  readonly labels: readonly (readonly string[])[];
  readonly rows: readonly FolderImageRow[];
  readonly summary: FolderSummary;
}

/** Upper bounds for a folder file from elsewhere (a pull request, a cluster's shard). */
export const FOLDER_LIMITS = {
  /** Images of one run (the folder listing takes at most as many). */
  rows: 100_000,
  /** Classifiers of one run: each is a column of the table and a summary of its own. */
  models: 64,
  /** Bytes of the file: read whole and parsed; 100,000 images of 21 steps take about 100 MiB. */
  bytes: 256 * 1024 * 1024,
  /** Problems listed by validateFolderFile: enough to see what is wrong with a file. */
  problems: 20,
} as const;

/**
 * An estimate, on the large side, of the bytes of the folder file of a run over `images` (their
 * relative paths) with `models` classifiers and `steps` strengths, from its pretty-printed parts:
 * a curve number takes at most 40 (12 of indent, 25 of digits, a comma and a newline), a
 * classifier's row 512 besides its curve, an image's row 512 and four times its path (the image,
 * its folder twice, its thumbnail), and the settings, class names and summary 1 MiB. Made before
 * a run, so that a file too large to be opened again (FOLDER_LIMITS.bytes) is never computed.
 */
export function estimateFolderFileBytes(
  images: readonly string[],
  models: number,
  steps: number,
): number {
  const paths = images.reduce((sum, image) => sum + utf8Length(image), 0);
  const modelRow = 512 + 40 * steps;
  return (
    1024 * 1024 + 3 * models * 40 * steps + images.length * (512 + models * modelRow) + 4 * paths
  );
}

/** The bytes of `text` in UTF-8 (shared code runs in the webview too, without Buffer). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/**
 * Why a run over `images` with `models` classifiers and `steps` strengths cannot be made (its
 * folder file would be larger than a folder file may be, and could not be opened), or null.
 */
export function folderSizeProblem(
  images: readonly string[],
  models: number,
  steps: number,
): string | null {
  const bytes = estimateFolderFileBytes(images, models, steps);
  if (bytes <= FOLDER_LIMITS.bytes) return null;
  const mib = (n: number): string => `${Math.ceil(n / (1024 * 1024)).toLocaleString('en-US')} MiB`;
  return `The summary of ${images.length.toLocaleString('en-US')} images x ${models} classifier${models === 1 ? '' : 's'} x ${steps} steps would take about ${mib(bytes)}, more than the ${mib(FOLDER_LIMITS.bytes)} a folder summary may have (it could not be opened again). Explain the folder in shards (--shard i/n, each into its own --out; each shard's summary opens by itself), or with fewer --steps or classifiers.`;
}

/** A folder file that cannot be used: the message lists what is wrong with it. */
export class FolderFileError extends Error {
  override readonly name = 'FolderFileError';
}

/**
 * Parses and checks the text of a folder file; throws FolderFileError naming the first problems
 * (the caller says which file).
 */
export function parseFolderFile(text: string): FolderFile {
  if (text.length > FOLDER_LIMITS.bytes) {
    throw new FolderFileError(
      `it has ${text.length.toLocaleString('en-US')} characters, more than the ${FOLDER_LIMITS.bytes.toLocaleString('en-US')} a folder file may have`,
    );
  }
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch (error) {
    throw new FolderFileError(
      `it is not JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const problems = validateFolderFile(x);
  if (problems.length > 0) {
    const shown = problems.slice(0, 3);
    const more = problems.length - shown.length;
    throw new FolderFileError(
      `${shown.join('; ')}${more > 0 ? `; and ${more} more problem${more === 1 ? '' : 's'}` : ''}`,
    );
  }
  return x as FolderFile;
}

/**
 * Checks an untrusted parsed folder file; returns the problems found (empty when valid, at most
 * FOLDER_LIMITS.problems). Every field is typed and bounded, every number finite, the rows agree
 * with the settings and the summary with the rows, and every path is a plain relative path inside
 * the file's folder, under `images/`.
 */
export function validateFolderFile(x: unknown): string[] {
  if (!isRecord(x)) return ['the file is not a JSON object'];
  const version = x.propsweep_folder;
  if (version !== FOLDER_FILE_VERSION) {
    return [
      typeof version === 'number' && version > FOLDER_FILE_VERSION
        ? `it was written by a newer propsweep (folder format ${version}, this one reads ${FOLDER_FILE_VERSION}): update propsweep`
        : `it is not a propsweep folder summary (format ${version === undefined ? 'missing' : quote(version)}, expected ${FOLDER_FILE_VERSION})`,
    ];
  }
  const problems = new Problems();
  if (!isIsoTime(x.created)) problems.add('"created" must be an ISO time');
  if (!isPathText(x.folder)) problems.add('"folder" must be a path');
  if (typeof x.recursive !== 'boolean') problems.add('"recursive" must be true or false');
  if (x.limit !== null && !(isCount(x.limit) && x.limit >= 1))
    problems.add('"limit" must be a whole number from 1, or null');
  shardProblems(x.shard, x.merged, problems);
  const settings = settingsProblems(x.settings, problems);
  const rows = x.rows;
  const rowsValid = Array.isArray(rows) && rows.length <= FOLDER_LIMITS.rows;
  const measured = rowsValid && rows.some((r) => isRecord(r) && r.status === 'done');
  const steps = strengthsProblems(x.strengths, measured, problems);
  if (!rowsValid)
    problems.add(`"rows" must list at most ${FOLDER_LIMITS.rows.toLocaleString('en-US')} images`);
  listedProblems(x.listed, rowsValid ? rows.length : null, x.merged, problems);
  if (rowsValid && settings !== null) {
    labelsProblems(x.labels, settings.models, rows, problems);
    for (let i = 0; i < rows.length && !problems.full; i++) {
      rowProblems(rows[i], i, rows[i - 1], settings, steps, problems);
    }
    if (!problems.full) summaryProblems(x.summary, rows, settings, steps, problems);
  }
  return problems.list;
}

/** The problems of untrusted settings on their own (a journal's), as validateFolderFile finds them. */
export function folderSettingsProblems(x: unknown): string[] {
  const problems = new Problems();
  settingsProblems(x, problems);
  return problems.list;
}

/** A list that stops growing at FOLDER_LIMITS.problems: a hostile file may be wrong everywhere. */
class Problems {
  readonly list: string[] = [];
  get full(): boolean {
    return this.list.length >= FOLDER_LIMITS.problems;
  }
  add(problem: string): void {
    if (!this.full) this.list.push(problem);
  }
}

function isSha256(x: unknown): x is string {
  return typeof x === 'string' && /^[0-9a-f]{64}$/.test(x);
}

/** A path as given on a command line: bounded text without NUL. */
function isPathText(x: unknown): x is string {
  return isText(x) && x.length > 0 && !x.includes('\0');
}

function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

function isProbability(x: unknown): x is number {
  return typeof x === 'number' && x >= 0 && x <= 1;
}

/** A shard as the command line and the inference child take it (shard.ts). */
function isShard(x: unknown): x is ShardRecord {
  return shardProblem(x) === null;
}

/** A shard's file names its shard and merges nothing; a merged file names every shard in order. */
function shardProblems(shard: unknown, merged: unknown, problems: Problems): void {
  const badShard = shard === null ? null : shardProblem(shard);
  if (badShard !== null) problems.add(`"shard" must be null or ${badShard}`);
  if (!Array.isArray(merged) || merged.length > MAX_SHARDS) {
    problems.add('"merged" must list the shards joined');
    return;
  }
  if (merged.length === 0) return;
  const count = merged.length;
  if (shard !== null) problems.add('"merged" must be empty in the file of one shard');
  if (!merged.every((s: unknown, i) => isShard(s) && s.index === i + 1 && s.count === count))
    problems.add(`"merged" must list the shards 1/${count} to ${count}/${count} in order`);
}

/**
 * The images listed bound the rows: fewer rows is a run stopped before it finished; more is not
 * a run's file. A merge joins only finished shards, so its rows are all it listed.
 */
function listedProblems(
  listed: unknown,
  rows: number | null,
  merged: unknown,
  problems: Problems,
): void {
  if (!isCount(listed) || listed > FOLDER_LIMITS.rows) {
    problems.add(
      `"listed" must be the number of images the run selected, at most ${FOLDER_LIMITS.rows.toLocaleString('en-US')}`,
    );
  } else if (rows !== null && rows > listed) {
    problems.add(`"rows" must list at most the ${listed} images listed, not ${rows}`);
  } else if (rows !== null && rows < listed && Array.isArray(merged) && merged.length > 0) {
    problems.add(
      `"rows" must list all ${listed} images of a merge (it joins finished shards only), not ${rows}`,
    );
  }
}

/** The settings' problems; the settings when they can be used to check the rows, else null. */
function settingsProblems(x: unknown, problems: Problems): FolderSettings | null {
  if (!isRecord(x)) {
    problems.add('"settings" must be an object');
    return null;
  }
  if (!isName(x.editor) || x.editor === '') problems.add('settings.editor must be a name');
  const params = x.params;
  if (
    !isRecord(params) ||
    Object.keys(params).length > RESULT_LIMITS.runEntries ||
    !Object.entries(params).every(
      ([k, v]) => isName(k) && (isText(v) || typeof v === 'boolean' || isFiniteNumber(v)),
    )
  )
    problems.add(
      `settings.params must map at most ${RESULT_LIMITS.runEntries} names to texts, numbers or booleans`,
    );
  if (x.content !== undefined && x.content !== null && !isSha256(x.content))
    problems.add('settings.content must be a sha256 in hex, or null');
  const steps = typeof x.steps === 'number' ? stepsProblem(x.steps) : 'steps must be a number';
  if (steps !== null) problems.add(`settings.${steps}`);
  if (typeof x.seed !== 'number' || !Number.isSafeInteger(x.seed))
    problems.add('settings.seed must be a whole number');
  const seeds = typeof x.seeds === 'number' ? seedsProblem(x.seeds) : 'seeds must be a number';
  if (seeds !== null) problems.add(`settings.${seeds}`);
  if (!isCount(x.permutations)) problems.add('settings.permutations must be a whole number from 0');
  if (typeof x.alpha !== 'number' || !(x.alpha > 0 && x.alpha < 1))
    problems.add('settings.alpha must be a number between 0 and 1');
  if (typeof x.legacy !== 'boolean') problems.add('settings.legacy must be true or false');
  if (x.adjustment !== 'holm' && x.adjustment !== 'bh')
    problems.add('settings.adjustment must be holm or bh');
  const models = x.models;
  if (!Array.isArray(models) || models.length === 0 || models.length > FOLDER_LIMITS.models) {
    problems.add(`settings.models must list 1 to ${FOLDER_LIMITS.models} classifiers`);
    return null;
  }
  const bad = models.findIndex((m: unknown) => !isModelSettings(m));
  if (bad >= 0) {
    problems.add(
      `settings.models[${bad}] must be {name, kind: onnx, command or clip, sha256, files: at most ${RESULT_LIMITS.contentFiles} digests}`,
    );
    return null;
  }
  return x as unknown as FolderSettings;
}

function isModelSettings(m: unknown): boolean {
  return (
    isRecord(m) &&
    isName(m.name) &&
    m.name !== '' &&
    (m.kind === 'onnx' || m.kind === 'command' || m.kind === 'clip') &&
    isName(m.sha256) &&
    Array.isArray(m.files) &&
    m.files.length <= RESULT_LIMITS.contentFiles &&
    m.files.every(isName)
  );
}

/**
 * The number of steps of every curve, or null when the strengths are not valid. None only when no
 * image was `measured`: empty curves would pass for theirs, and a merge fail on them.
 */
function strengthsProblems(x: unknown, measured: boolean, problems: Problems): number | null {
  if (
    !Array.isArray(x) ||
    x.length > LIMITS.steps ||
    ((x.length > 0 || measured) && x.length < LIMITS.minSteps) ||
    !x.every(isFiniteNumber)
  ) {
    problems.add(
      `"strengths" must be ${LIMITS.minSteps} to ${LIMITS.steps} numbers (none when no image was measured)`,
    );
    return null;
  }
  return x.length;
}

/** One list of class names per classifier (none at all when no image was measured). */
function labelsProblems(
  x: unknown,
  models: readonly FolderModelSettings[],
  rows: readonly unknown[],
  problems: Problems,
): void {
  const measured = rows.some((r) => isRecord(r) && r.status === 'done');
  if (
    !Array.isArray(x) ||
    !(x.length === models.length || (x.length === 0 && !measured)) ||
    !x.every(
      (names: unknown) =>
        Array.isArray(names) && names.length <= RESULT_LIMITS.outputs && names.every(isName),
    )
  )
    problems.add(
      `"labels" must be one list of class names per classifier (${models.length}), each at most ${RESULT_LIMITS.outputs.toLocaleString('en-US')} names`,
    );
}

const STATUSES: readonly unknown[] = ['done', 'skipped', 'failed'];

/** One row: typed, in order after the one before, with a model row per classifier when done. */
function rowProblems(
  x: unknown,
  i: number,
  before: unknown,
  settings: FolderSettings,
  steps: number | null,
  problems: Problems,
): void {
  const at = `rows[${i}]`;
  if (!isRecord(x) || !STATUSES.includes(x.status)) {
    problems.add(`${at} must be an image row with status done, skipped or failed`);
    return;
  }
  if (!isSafeRelativePath(x.image)) {
    problems.add(`${at}.image must be a relative path inside the folder, got ${quote(x.image)}`);
  } else if (
    isRecord(before) &&
    typeof before.image === 'string' &&
    compareCodePoints(before.image, x.image) >= 0
  ) {
    problems.add(
      `${at}.image ${quote(x.image)} is repeated or out of order (rows are sorted by image)`,
    );
  }
  if (x.sha256 !== '' && !isSha256(x.sha256))
    problems.add(`${at}.sha256 must be a sha256 in hex, or empty`);
  if (typeof x.resumed !== 'boolean') problems.add(`${at}.resumed must be true or false`);
  const done = x.status === 'done';
  if (done) {
    if (!isImagesPath(x.result_file, '.propsweep.json'))
      problems.add(
        `${at}.result_file must be a relative path images/.../NAME.propsweep.json, got ${quote(x.result_file)}`,
      );
    if (x.thumbnail !== null && !isImagesPath(x.thumbnail, '.png'))
      problems.add(
        `${at}.thumbnail must be a relative path images/.../NAME.png or null, got ${quote(x.thumbnail)}`,
      );
    if (x.reason !== null) problems.add(`${at}.reason must be null for a measured image`);
  } else {
    if (x.result_file !== null || x.thumbnail !== null)
      problems.add(`${at} was not measured, so its result_file and thumbnail must be null`);
    if (!isText(x.reason))
      problems.add(`${at}.reason must say why the image was ${String(x.status)}`);
  }
  const models = x.models;
  const expected = done ? settings.models.length : 0;
  if (!Array.isArray(models) || models.length !== expected) {
    problems.add(
      `${at}.models must list ${expected} classifier${expected === 1 ? '' : 's'}${done ? ' (those of the settings, in order)' : ' (the image was not measured)'}`,
    );
    return;
  }
  models.forEach((m: unknown, k) => {
    modelRowProblems(
      m,
      `${at}.models[${k}]`,
      settings.models[k]?.name ?? '',
      settings,
      steps,
      problems,
    );
  });
}

/** A path under images/ ending in `suffix`, inside the folder file's folder. */
function isImagesPath(x: unknown, suffix: string): boolean {
  return (
    isSafeRelativePath(x) &&
    x.startsWith('images/') &&
    x.endsWith(suffix) &&
    x.length > 'images/'.length + suffix.length
  );
}

function modelRowProblems(
  x: unknown,
  at: string,
  name: string,
  settings: FolderSettings,
  steps: number | null,
  problems: Problems,
): void {
  if (!isRecord(x)) {
    problems.add(`${at} must be a classifier's row`);
    return;
  }
  if (x.model !== name) problems.add(`${at}.model must be ${quote(name)} (the settings' order)`);
  if (!isFiniteNumber(x.epgm)) problems.add(`${at}.epgm must be a number`);
  for (const key of ['p_value', 'p_adjusted'] as const) {
    if (!isProbability(x[key])) problems.add(`${at}.${key} must be a number from 0 to 1`);
  }
  if (typeof x.significant !== 'boolean') {
    problems.add(`${at}.significant must be true or false`);
  } else if (isProbability(x.p_adjusted) && x.significant !== x.p_adjusted <= settings.alpha) {
    problems.add(`${at}.significant must say whether p_adjusted <= alpha (${settings.alpha})`);
  }
  if (!isCount(x.flips)) problems.add(`${at}.flips must be a whole number from 0`);
  if (!isFiniteList(x.curve, steps))
    problems.add(
      `${at}.curve must be ${steps ?? 'one number per step:'} numbers, one per strength`,
    );
}

/** n finite numbers (n null: the strengths are invalid, reported already; any bounded list). */
function isFiniteList(x: unknown, n: number | null): boolean {
  return (
    Array.isArray(x) &&
    (n === null ? x.length <= LIMITS.steps : x.length === n) &&
    x.every(isFiniteNumber)
  );
}

function isProportion(x: unknown, total: number): boolean {
  return (
    isRecord(x) &&
    isCount(x.count) &&
    x.count <= total &&
    x.total === total &&
    isProbability(x.rate) &&
    isProbability(x.low) &&
    isProbability(x.high) &&
    x.low <= x.high
  );
}

/** The counts agree with the rows, and one summary per classifier over the measured rows. */
function summaryProblems(
  x: unknown,
  rows: readonly unknown[],
  settings: FolderSettings,
  steps: number | null,
  problems: Problems,
): void {
  if (!isRecord(x)) {
    problems.add('"summary" must be an object');
    return;
  }
  const status = (s: string): number => rows.filter((r) => isRecord(r) && r.status === s).length;
  const counts = {
    images: rows.length,
    done: status('done'),
    skipped: status('skipped'),
    failed: status('failed'),
    resumed: rows.filter((r) => isRecord(r) && r.resumed === true).length,
  };
  for (const [key, count] of Object.entries(counts)) {
    if (x[key] !== count) problems.add(`summary.${key} must be ${count}, the rows' count`);
  }
  const models = x.models;
  if (!Array.isArray(models) || models.length !== settings.models.length) {
    problems.add(`summary.models must have one entry per classifier (${settings.models.length})`);
    return;
  }
  const n = counts.done;
  models.forEach((m: unknown, k) => {
    const at = `summary.models[${k}]`;
    const name = settings.models[k]?.name ?? '';
    if (!isRecord(m)) {
      problems.add(`${at} must be a classifier's summary`);
      return;
    }
    if (m.model !== name) problems.add(`${at}.model must be ${quote(name)} (the settings' order)`);
    if (m.images !== n) problems.add(`${at}.images must be ${n}, the measured images`);
    for (const key of ['epgm_mean', 'epgm_median', 'epgm_q1', 'epgm_q3'] as const) {
      if (!isFiniteNumber(m[key])) problems.add(`${at}.${key} must be a number`);
    }
    for (const key of ['significant', 'flipped'] as const) {
      if (!isProportion(m[key], n))
        problems.add(`${at}.${key} must be a proportion {count, total: ${n}, rate, low, high}`);
    }
    const curveSteps = n === 0 ? 0 : steps;
    for (const key of ['mean_curve', 'curve_low', 'curve_high'] as const) {
      if (!isFiniteList(m[key], curveSteps))
        problems.add(
          `${at}.${key} must be one number per strength (none when no image was measured)`,
        );
    }
  });
}

/** A value in a message: JSON, cut short (it comes from the file). */
function quote(x: unknown): string {
  const text = x === undefined ? 'nothing' : JSON.stringify(x);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

// The journal of a folder run, `.propsweep-folder-run.json` in its output folder: the settings, the
// images taken (folder, --recursive, --limit, --shard) and, for each image done, its path, sha256
// and row. A cancelled, crashed or closed run leaves it, and the next run with the same settings
// and images reuses what it lists instead of recomputing it; a run of other settings or another
// share of the images is refused, so that two shards given one --out do not write over each
// other. The file is read like any file from elsewhere: bounded, validated entry by entry, its
// paths never used (a row's files are derived again from the image's path); what does not check
// out is done again.
import { randomBytes } from 'node:crypto';
import { link, realpath, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import {
  FOLDER_LIMITS,
  folderSettingsProblems,
  parseFolderFile,
  type FolderImageRow,
  type FolderSettings,
  type ShardRecord,
} from '../../shared/folderFile';
import { settingsDifference } from '../../shared/folderSummary';
import { isText } from '../../shared/resultFile';
import { readRegularText } from '../files/boundedFiles';
import { writeAtomic } from '../store/atomic';
import { StoreInputError } from '../store/errors';
import { portable } from '../store/resultFiles';

/** The journal's file name in a run's output folder. */
export const JOURNAL_NAME = '.propsweep-folder-run.json';

/** The journal format version this build writes and reads. */
export const JOURNAL_VERSION = 1;

/**
 * Largest journal read. It lists only the images of its run, each a row as the summary has it
 * (compact, not indented) with the image's path and sha256 again: at most twice the summary's
 * bytes, which a run keeps under FOLDER_LIMITS.bytes (folderSizeProblem).
 */
export const MAX_JOURNAL_BYTES = 2 * FOLDER_LIMITS.bytes;

/** Which images of which folder a run takes; a run resumes only a run that took the same. */
export interface FolderSelection {
  /** The images' folder (absolute; in the journal, relative to the output folder). */
  readonly folder: string;
  readonly recursive: boolean;
  readonly limit: number | null;
  readonly shard: ShardRecord | null;
}

/** One image done, as the journal records it. */
export interface JournalEntry {
  /** The image relative to the folder, '/'-separated. */
  readonly image: string;
  readonly sha256: string;
  readonly row: FolderImageRow;
}

/** The journal file. */
export interface FolderJournal {
  readonly propsweep_folder_run: number;
  readonly settings: FolderSettings;
  /** Its folder relative to the journal's folder, '/'-separated (the two move together). */
  readonly selection: FolderSelection;
  readonly images: readonly JournalEntry[];
}

/** What a run is: what a run into a folder that holds another must equal to resume it. */
export interface FolderRunIdentity {
  readonly settings: FolderSettings;
  /** The folder absolute. */
  readonly selection: FolderSelection;
}

/**
 * The journal in `dir`, or null when there is none or it cannot be used (unreadable, not JSON,
 * another version, settings or selection of the wrong shape): then every image is done again.
 * Entries of the wrong shape are dropped one by one.
 */
export async function readJournal(dir: string): Promise<FolderJournal | null> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readRegularText(join(dir, JOURNAL_NAME), MAX_JOURNAL_BYTES));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const x = parsed as Record<string, unknown>;
  if (
    x.propsweep_folder_run !== JOURNAL_VERSION ||
    folderSettingsProblems(x.settings).length > 0 ||
    !isSelection(x.selection)
  )
    return null;
  const images = Array.isArray(x.images) ? x.images.filter(isEntryShaped) : [];
  return {
    propsweep_folder_run: JOURNAL_VERSION,
    settings: x.settings as FolderSettings,
    selection: x.selection,
    images,
  };
}

/**
 * The settings and selection (folder absolute) of the summary file at `path`, or null when there
 * is none or it is not a valid summary (then it is written over): read bounded and validated.
 */
export async function readSummaryRun(path: string): Promise<FolderRunIdentity | null> {
  try {
    const file = parseFolderFile(await readRegularText(path, FOLDER_LIMITS.bytes));
    const { folder, recursive, limit, shard } = file;
    return {
      settings: file.settings,
      selection: { folder: resolve(path, '..', folder), recursive, limit, shard },
    };
  } catch {
    return null;
  }
}

/**
 * The journal of a run into `outDir`, and the entries of an earlier run with the same settings
 * and selection among `images` (the relative paths this run takes: entries of others are dropped,
 * so the journal stays within what its run's summary may hold). A folder whose journal or summary
 * `summaryPath` is of another run is refused with a StoreInputError that says which and what to
 * do. A folder without a journal is claimed at once with an empty one, created exclusively: of
 * two runs started together into one folder (two shards given one --out), the second is refused.
 */
export async function openJournal(
  outDir: string,
  summaryPath: string,
  run: FolderRunIdentity,
  images: readonly string[],
): Promise<{ journal: JournalWriter; earlier: readonly JournalEntry[] }> {
  const summary = await readSummaryRun(summaryPath);
  if (summary !== null) await checkSameRun(outDir, 'the summary', run, summary);
  let journal = await readJournal(outDir);
  if (journal === null && !(await claimJournal(outDir, run))) {
    // Made a moment ago by another run (or there and unusable: then replaced on the first write).
    journal = await readJournal(outDir);
  }
  if (journal === null) return { journal: new JournalWriter(outDir, run), earlier: [] };
  await checkSameRun(outDir, 'a run', run, {
    settings: journal.settings,
    selection: { ...journal.selection, folder: resolve(outDir, journal.selection.folder) },
  });
  const taken = new Set(images);
  const earlier = journal.images.filter((e) => taken.has(e.image));
  const writer = new JournalWriter(outDir, run, earlier);
  // Entries of images this run does not take (deleted or renamed since) are dropped from the file.
  if (earlier.length < journal.images.length) await writer.flush(true);
  return { journal: writer, earlier };
}

/** Refuses to go on with a run in a folder that holds another (`what` says what holds it). */
async function checkSameRun(
  outDir: string,
  what: string,
  now: FolderRunIdentity,
  before: FolderRunIdentity,
): Promise<void> {
  const difference = settingsDifference(now.settings, before.settings, ['now', 'before']);
  if (difference !== null) {
    throw new StoreInputError(
      `${outDir} holds ${what} made with other settings (${difference}). Give another --out for these settings, or run again with the earlier ones to resume it.`,
    );
  }
  const [here, there] = await Promise.all(
    [now.selection.folder, before.selection.folder].map((f) => realpath(f).catch(() => f)),
  );
  const problem = selectionProblem(
    outDir,
    { ...now.selection, folder: here ?? now.selection.folder },
    { ...before.selection, folder: there ?? before.selection.folder },
  );
  if (problem !== null) throw new StoreInputError(problem);
}

/**
 * Why a run taking `now` cannot go on in `outDir`, which holds a run that took `before` (folders
 * compared as given), or null when both took the same images.
 */
export function selectionProblem(
  outDir: string,
  now: FolderSelection,
  before: FolderSelection,
): string | null {
  const other = 'Give this run another --out, or run the earlier command again to resume it.';
  if (now.folder !== before.folder)
    return `${outDir} holds a run of another folder (${before.folder}). ${other}`;
  const shard = (s: ShardRecord | null): string => (s === null ? '' : `${s.index}/${s.count}`);
  if (shard(now.shard) !== shard(before.shard)) {
    return before.shard === null
      ? `${outDir} holds a run of the whole folder, not a shard; give each shard its own --out.`
      : `${outDir} holds shard ${shard(before.shard)} of this folder; give each shard its own --out.`;
  }
  if (now.recursive !== before.recursive)
    return `${outDir} holds a run ${before.recursive ? 'with' : 'without'} --recursive. ${other}`;
  if (now.limit !== before.limit) {
    const held =
      before.limit === null ? 'all images' : `the first ${before.limit} (--limit ${before.limit})`;
    return `${outDir} holds a run of ${held} of this folder. ${other}`;
  }
  return null;
}

/**
 * Creates the journal of a new run with no images, only if there is none: written to a temporary
 * file and linked into place, so that a run that finds it finds it whole. False when there is one.
 */
async function claimJournal(dir: string, run: FolderRunIdentity): Promise<boolean> {
  const path = join(dir, JOURNAL_NAME);
  const text = journalText(dir, run, []);
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, text);
    await link(temp, path);
    return true;
  } catch (error) {
    const { code } = error as { code?: unknown };
    if (code === 'EEXIST') return false;
    // A file system without hard links: an exclusive create, which another run may read half written.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP')
      throw error;
    try {
      await writeFile(path, text, { flag: 'wx' });
      return true;
    } catch (again) {
      if ((again as { code?: unknown }).code === 'EEXIST') return false;
      throw again;
    }
  } finally {
    await rm(temp, { force: true });
  }
}

/** The journal's text: its folder relative to the journal, so that the two can move together. */
function journalText(dir: string, run: FolderRunIdentity, images: readonly JournalEntry[]): string {
  const journal: FolderJournal = {
    propsweep_folder_run: JOURNAL_VERSION,
    settings: run.settings,
    selection: { ...run.selection, folder: portable(dir, run.selection.folder) },
    images,
  };
  return JSON.stringify(journal);
}

function isSelection(x: unknown): x is FolderSelection {
  if (typeof x !== 'object' || x === null) return false;
  const s = x as Record<string, unknown>;
  const count = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 1;
  const shard = s.shard as Record<string, unknown> | null;
  return (
    // A path as the summary's "folder" is one: bounded (a refusal quotes it), no NUL.
    isText(s.folder) &&
    !s.folder.includes('\0') &&
    typeof s.recursive === 'boolean' &&
    (s.limit === null || count(s.limit)) &&
    (shard === null ||
      (typeof shard === 'object' &&
        count(shard.index) &&
        count(shard.count) &&
        shard.index <= shard.count))
  );
}

function isEntryShaped(x: unknown): x is JournalEntry {
  if (typeof x !== 'object' || x === null) return false;
  const e = x as Record<string, unknown>;
  return (
    typeof e.image === 'string' &&
    typeof e.sha256 === 'string' &&
    typeof e.row === 'object' &&
    e.row !== null
  );
}

/** What a journal row must be to be reused for an image. */
export interface ExpectedRow {
  readonly image: string;
  readonly sha256: string;
  /** The files the row must name: derived from the image's path, never read from the journal. */
  readonly resultFile: string;
  readonly thumbnail: string;
  readonly settings: FolderSettings;
  readonly steps: number;
}

/**
 * The journal's row for an image, marked resumed, when it is that image's (same path and sha256),
 * names the files this run would write, and holds one well-formed row per classifier of the
 * settings; else null (the image is done again).
 */
export function resumableRow(entry: JournalEntry, expected: ExpectedRow): FolderImageRow | null {
  const row = entry.row as unknown as Record<string, unknown>;
  if (
    entry.image !== expected.image ||
    entry.sha256 !== expected.sha256 ||
    row.image !== expected.image ||
    row.sha256 !== expected.sha256 ||
    row.status !== 'done' ||
    row.result_file !== expected.resultFile ||
    row.thumbnail !== expected.thumbnail ||
    !Array.isArray(row.models) ||
    row.models.length !== expected.settings.models.length
  ) {
    return null;
  }
  const models = row.models as unknown[];
  const wellFormed = models.every((m, k) => {
    if (typeof m !== 'object' || m === null) return false;
    const r = m as Record<string, unknown>;
    return (
      r.model === expected.settings.models[k]?.name &&
      isFiniteNumber(r.epgm) &&
      isProbability(r.p_value) &&
      Number.isSafeInteger(r.flips) &&
      (r.flips as number) >= 0 &&
      Array.isArray(r.curve) &&
      r.curve.length === expected.steps &&
      r.curve.every(isFiniteNumber)
    );
  });
  if (!wellFormed) return null;
  return {
    image: expected.image,
    status: 'done',
    sha256: expected.sha256,
    result_file: expected.resultFile,
    thumbnail: expected.thumbnail,
    reason: null,
    resumed: true,
    models: (models as Record<string, unknown>[]).map((r) => ({
      model: r.model as string,
      epgm: r.epgm as number,
      p_value: r.p_value as number,
      // Adjusted again over this run's images by summarize.
      p_adjusted: r.p_value as number,
      significant: false,
      flips: r.flips as number,
      curve: r.curve as number[],
    })),
  };
}

function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

function isProbability(x: unknown): boolean {
  return isFiniteNumber(x) && x >= 0 && x <= 1;
}

/**
 * Keeps the journal of a run: entries by image, written atomically after an image is done, but
 * never spending more than about a tenth of the run on it (a journal of 100,000 rows takes a
 * while to write; one written every few images loses at most those to a crash, which recomputes
 * them). `flush` writes what is pending.
 */
export class JournalWriter {
  private readonly entries: Map<string, JournalEntry>;
  private lastWrite = -Infinity;
  private lastCost = 0;
  private dirty = false;

  constructor(
    private readonly dir: string,
    private readonly run: FolderRunIdentity,
    /** Entries of an earlier run with these settings and selection, kept. */
    earlier: readonly JournalEntry[] = [],
    private readonly now: () => number = () => performance.now(),
  ) {
    this.entries = new Map(earlier.map((e) => [e.image, e]));
  }

  /** Records an image done; writes the journal unless it was written a moment ago. */
  async add(entry: JournalEntry): Promise<void> {
    this.entries.set(entry.image, entry);
    this.dirty = true;
    if (this.now() - this.lastWrite >= 10 * this.lastCost) await this.flush();
  }

  /** Writes the journal if anything changed since the last write (or `always`). */
  async flush(always = false): Promise<void> {
    if (!this.dirty && !always) return;
    const started = this.now();
    const text = journalText(this.dir, this.run, [...this.entries.values()]);
    this.dirty = false;
    await writeAtomic(join(this.dir, JOURNAL_NAME), text);
    this.lastWrite = this.now();
    this.lastCost = this.lastWrite - started;
  }
}

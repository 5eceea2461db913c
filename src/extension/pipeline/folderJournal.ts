// The journal of a folder run, `.propsweep-folder-run.json` in its output folder: the settings and,
// for each image done, its path, sha256 and row. A cancelled, crashed or closed run leaves it, and
// the next run with the same settings reuses what it lists instead of recomputing it. The file is
// read like any file from elsewhere: bounded, validated entry by entry, its paths never used (a
// row's files are derived again from the image's path); what does not check out is done again.
import { join } from 'node:path';

import { isAdjustment } from '../../shared/adjust';
import {
  validateFolderFile,
  type FolderFile,
  type FolderImageRow,
  type FolderSettings,
} from '../../shared/folderFile';
import { readRegularText } from '../files/boundedFiles';
import { writeAtomic } from '../store/atomic';

/** The journal's file name in a run's output folder. */
export const JOURNAL_NAME = '.propsweep-folder-run.json';

/** The journal format version this build writes and reads. */
export const JOURNAL_VERSION = 1;

/** Largest journal read (100,000 rows of a few kB each). */
export const MAX_JOURNAL_BYTES = 512 * 1024 * 1024;

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
  readonly images: readonly JournalEntry[];
}

/**
 * The journal in `dir`, or null when there is none or it cannot be used (unreadable, not JSON,
 * another version, settings of the wrong shape): then every image is done again. Entries of the
 * wrong shape are dropped one by one.
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
  if (x.propsweep_folder_run !== JOURNAL_VERSION || !isFolderSettings(x.settings)) return null;
  const images = Array.isArray(x.images) ? x.images.filter(isEntryShaped) : [];
  return { propsweep_folder_run: JOURNAL_VERSION, settings: x.settings, images };
}

/**
 * The settings of the summary file at `path`, or null when there is none or it is not a valid
 * summary (then it is written over): read bounded and validated.
 */
export async function readSummarySettings(path: string): Promise<FolderSettings | null> {
  try {
    const parsed = JSON.parse(await readRegularText(path, MAX_JOURNAL_BYTES)) as unknown;
    return validateFolderFile(parsed).length === 0 ? (parsed as FolderFile).settings : null;
  } catch {
    return null;
  }
}

/** Whether `x` has the shape of FolderSettings (a journal's or summary's, before comparing it). */
export function isFolderSettings(x: unknown): x is FolderSettings {
  if (typeof x !== 'object' || x === null) return false;
  const s = x as Record<string, unknown>;
  return (
    typeof s.editor === 'string' &&
    typeof s.params === 'object' &&
    s.params !== null &&
    !Array.isArray(s.params) &&
    Object.values(s.params).every((v) => ['string', 'number', 'boolean'].includes(typeof v)) &&
    typeof s.steps === 'number' &&
    typeof s.seed === 'number' &&
    typeof s.seeds === 'number' &&
    typeof s.permutations === 'number' &&
    typeof s.alpha === 'number' &&
    typeof s.legacy === 'boolean' &&
    s.adjustment !== 'none' &&
    isAdjustment(s.adjustment) &&
    Array.isArray(s.models) &&
    s.models.every(isModelSettings)
  );
}

function isModelSettings(x: unknown): boolean {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Record<string, unknown>;
  return (
    typeof m.name === 'string' &&
    (m.kind === 'onnx' || m.kind === 'command' || m.kind === 'clip') &&
    typeof m.sha256 === 'string' &&
    Array.isArray(m.files) &&
    m.files.every((f) => typeof f === 'string')
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
    private readonly settings: FolderSettings,
    /** Entries of an earlier run with these settings, kept (images of other shards or limits too). */
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

  /** Forgets an image (done again, or no longer resumable). */
  drop(image: string): void {
    if (this.entries.delete(image)) this.dirty = true;
  }

  /** Writes the journal if anything changed since the last write. */
  async flush(): Promise<void> {
    if (!this.dirty) return;
    const started = this.now();
    const journal: FolderJournal = {
      propsweep_folder_run: JOURNAL_VERSION,
      settings: this.settings,
      images: [...this.entries.values()],
    };
    this.dirty = false;
    await writeAtomic(join(this.dir, JOURNAL_NAME), JSON.stringify(journal));
    this.lastWrite = this.now();
    this.lastCost = this.lastWrite - started;
  }
}

// Real interventional data: a recorded series of images (a turntable, a lighting sweep, frames
// exported from another editing tool) with the strength of each. Not parametric: there is no
// identity at zero, and the path is exactly the recorded strengths.
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';

import { isWithin, readRegularText, UnreadableFileError } from '../files/boundedFiles';
import { hasImageExtension } from '../../shared/imageExtensions';
import { FILE_LIMITS, LIMITS } from '../../shared/limits';
import { ImageInputError } from '../images/errors';
import { READABLE_FORMATS } from '../images/formats';
import { probeImage, readImage } from '../images/io';
import {
  optionalNumberParam,
  resolveWithSpecs,
  stringParam,
  type DescribedEditor,
  type ParamSpec,
} from './params';
import { EditorInputError, type EditedFrame, type EditInput, type EditorParams } from './types';

/** One recorded image and its strength. */
export interface SequenceFrame {
  /** Absolute path. */
  readonly path: string;
  readonly strength: number;
}

/** A recorded sequence, checked and sorted by strength. */
export interface LoadedSequence {
  readonly frames: readonly SequenceFrame[];
  readonly width: number;
  readonly height: number;
  /** Where the strengths came from: the one number in each file name, the index, or the CSV. */
  readonly strengthSource: 'file-names' | 'index' | 'csv';
  readonly period: number | undefined;
  /** What was assumed or skipped, one line each. */
  readonly notes: readonly string[];
}

/** Fewest frames accepted: the property gradient needs three steps. */
export const MIN_SEQUENCE_FRAMES = 3;

const SPECS: readonly ParamSpec[] = [
  {
    name: 'folder',
    type: 'path',
    example: 'folder=frames/',
    doc: 'folder of images in natural name order; strengths from the one number in each name, else 0..N-1',
  },
  {
    name: 'csv',
    type: 'path',
    example: 'csv=frames.csv',
    doc: 'CSV with the header path,strength (paths relative to the CSV), instead of folder',
  },
  {
    name: 'period',
    type: 'number',
    min: Number.MIN_VALUE,
    example: 'period=360',
    doc: 'period of a periodic property in strength units (360 for angles in degrees)',
  },
];

function resolveSequenceParams(params: EditorParams): EditorParams {
  const resolved = resolveWithSpecs('sequence', SPECS, params);
  const hasFolder = resolved.folder !== undefined;
  if (hasFolder === (resolved.csv !== undefined)) {
    throw new EditorInputError(
      `The sequence editor needs exactly one of folder and csv${hasFolder ? ', not both' : ''}. Write e.g. --param folder=frames/ or --param csv=frames.csv.`,
    );
  }
  return resolved;
}

/**
 * Lists, orders and checks a recorded sequence without decoding it: at least three frames and at
 * most LIMITS.steps (counted before any image is opened), one size, distinct strengths, within one
 * period when a period is given.
 */
export async function loadSequence(params: EditorParams): Promise<LoadedSequence> {
  const resolved = resolveSequenceParams(params);
  const folder = stringParam(resolved, 'folder');
  const csv = stringParam(resolved, 'csv');
  const period = optionalNumberParam(resolved, 'period');
  const listed = folder !== undefined ? await listFolder(folder) : await readCsvFrames(csv ?? '');
  const frames = [...listed.frames].sort((a, b) => a.strength - b.strength);
  const where = folder ?? csv ?? '';
  if (frames.length < MIN_SEQUENCE_FRAMES) {
    throw new EditorInputError(
      `The sequence ${where} has ${frames.length} image(s); the property gradient needs at least ${MIN_SEQUENCE_FRAMES}. Add frames.`,
    );
  }
  for (let k = 1; k < frames.length; k++) {
    const a = frames[k - 1] as SequenceFrame;
    const b = frames[k] as SequenceFrame;
    if (a.strength === b.strength) {
      throw new EditorInputError(
        `The sequence ${where} has two frames at strength ${a.strength}: ${a.path} and ${b.path}. Each strength may appear once; drop or renumber one.`,
      );
    }
  }
  const first = frames[0] as SequenceFrame;
  const last = frames[frames.length - 1] as SequenceFrame;
  if (period !== undefined && !(last.strength - first.strength < period)) {
    throw new EditorInputError(
      `The sequence ${where} spans strengths ${first.strength} to ${last.strength}, which is not less than one period (${period}): a periodic path must not repeat its first point. Drop the frame at ${last.strength} if it shows the same as ${first.strength}.`,
    );
  }
  const size = await probeImage(first.path);
  for (const frame of frames.slice(1)) {
    const other = await probeImage(frame.path);
    if (other.width !== size.width || other.height !== size.height) {
      throw new EditorInputError(
        `The sequence's images differ in size: ${first.path} is ${size.width}x${size.height} but ${frame.path} is ${other.width}x${other.height}. All frames must be the same size; resize them to one size.`,
      );
    }
  }
  return {
    frames,
    width: size.width,
    height: size.height,
    strengthSource: listed.source,
    period,
    notes: listed.notes,
  };
}

/**
 * Refuses more frames than a path may have, as soon as they are counted: before they are sorted,
 * looked for and opened (the run would refuse them only after all that).
 */
function checkFrameCount(count: number, where: string): void {
  if (count > LIMITS.steps) {
    throw new EditorInputError(
      `The sequence ${where} has ${count} images, more than the limit of ${LIMITS.steps} on a path. Keep fewer frames (every second one, say) in the folder or the CSV.`,
    );
  }
}

async function listFolder(
  folder: string,
): Promise<{ frames: SequenceFrame[]; source: 'file-names' | 'index'; notes: string[] }> {
  let names: string[];
  try {
    const entries = await readdir(folder, { withFileTypes: true });
    names = entries.filter((e) => !e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT') {
      throw new EditorInputError(`The sequence folder ${folder} does not exist. Check the path.`);
    }
    if (code === 'ENOTDIR') {
      throw new EditorInputError(
        `${folder} is a file, not a folder. Give the folder of frames as folder=..., or a CSV of path,strength as csv=....`,
      );
    }
    throw error;
  }
  const images = names.filter(hasImageExtension);
  // By the same test, not by looking each name up among the images: that took time quadratic in
  // the files (10 s for 100,000, hours for a million), before any count was checked.
  const skipped = names.filter((n) => !hasImageExtension(n));
  const notes: string[] = [];
  if (skipped.length > 0) {
    const shown = skipped.slice(0, 5).join(', ') + (skipped.length > 5 ? ', ...' : '');
    notes.push(`ignored ${skipped.length} file(s) that are not ${READABLE_FORMATS}: ${shown}`);
  }
  if (images.length === 0) {
    throw new EditorInputError(
      `The sequence folder ${folder} has no ${READABLE_FORMATS} images${skipped.length > 0 ? ` (only ${skipped.length} other file(s))` : ''}. Put the frames in it, or give a CSV of path,strength.`,
    );
  }
  checkFrameCount(images.length, folder);
  images.sort(naturalCompare);
  const numbers = images.map((n) => numbersInName(basename(n, extname(n))));
  const fromNames = numbers.every((found) => found.length === 1);
  notes.push(
    fromNames
      ? 'strengths read from the number in each file name'
      : 'strengths are the positions 0..N-1 in natural name order (not every file name has exactly one number)',
  );
  const frames = images.map((name, k) => ({
    path: resolve(join(folder, name)),
    strength: fromNames ? ((numbers[k] as number[])[0] as number) : k,
  }));
  return { frames, source: fromNames ? 'file-names' : 'index', notes };
}

async function readCsvFrames(
  csv: string,
): Promise<{ frames: SequenceFrame[]; source: 'csv'; notes: string[] }> {
  let text: string;
  try {
    text = await readRegularText(csv, FILE_LIMITS.csvBytes);
  } catch (error) {
    const reason = error instanceof UnreadableFileError ? error.reason : 'unreadable';
    if (reason === 'missing') {
      throw new EditorInputError(`The sequence CSV ${csv} does not exist. Check the path.`);
    }
    if (reason === 'folder') {
      throw new EditorInputError(
        `${csv} is a folder, not a CSV. Give it as folder=${csv} instead of csv=${csv}.`,
      );
    }
    throw new EditorInputError(
      `The sequence CSV ${csv} cannot be read: ${error instanceof Error ? error.message : String(error)}. Give a CSV file of path,strength.`,
    );
  }
  const rows = parseSequenceCsv(text, csv);
  checkFrameCount(rows.length, csv);
  // The frames lie in the CSV's folder or below it, links resolved: a CSV from someone else (a
  // cloned repository) must not read the user's other images into a result they may commit.
  const home = await realpath(dirname(csv));
  const frames: SequenceFrame[] = [];
  for (const row of rows) {
    const path = resolve(dirname(csv), row.path);
    const real = await realpath(path).catch(() => null);
    const exists =
      real !== null &&
      (await stat(real).then(
        (s) => s.isFile(),
        () => false,
      ));
    if (!exists) {
      throw new EditorInputError(
        `${csv} line ${row.line}: ${row.path} is not a file (looked for ${path}). Paths are relative to the CSV's folder.`,
      );
    }
    if (!isWithin(home, real)) {
      throw new EditorInputError(
        `${csv} line ${row.line}: ${row.path} leads outside the CSV's folder (to ${real}). Keep the frames in the CSV's folder or below it, and name them relative to it.`,
      );
    }
    frames.push({ path, strength: row.strength });
  }
  return { frames, source: 'csv', notes: ['strengths read from the CSV'] };
}

/** One data row of a sequence CSV. */
export interface SequenceCsvRow {
  readonly path: string;
  readonly strength: number;
  /** 1-based line number, for messages. */
  readonly line: number;
}

/**
 * Parses a CSV whose header is `path,strength` (fields may be double-quoted, "" inside quotes is
 * a quote; blank lines skipped). Paths are returned as written.
 */
export function parseSequenceCsv(text: string, csvName: string): SequenceCsvRow[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const rows: SequenceCsvRow[] = [];
  let header = false;
  for (const [i, raw] of lines.entries()) {
    if (raw.trim() === '') continue;
    const line = i + 1;
    const fields = splitCsvLine(raw, `${csvName} line ${line}`);
    if (!header) {
      const names = fields.map((f) => f.trim().toLowerCase());
      if (names.length !== 2 || names[0] !== 'path' || names[1] !== 'strength') {
        throw new EditorInputError(
          `${csvName} line ${line}: the first line must be the header path,strength, found "${raw.trim()}". Add the header, or fix its column names.`,
        );
      }
      header = true;
      continue;
    }
    if (fields.length !== 2) {
      throw new EditorInputError(
        `${csvName} line ${line}: expected 2 fields (path,strength), found ${fields.length}. Quote paths that contain commas.`,
      );
    }
    const path = (fields[0] ?? '').trim();
    const strengthText = (fields[1] ?? '').trim();
    const strength = Number(strengthText);
    if (path === '') throw new EditorInputError(`${csvName} line ${line}: the path is empty.`);
    if (strengthText === '' || !Number.isFinite(strength)) {
      throw new EditorInputError(
        `${csvName} line ${line}: the strength "${strengthText}" is not a number. Write it like 12.5.`,
      );
    }
    rows.push({ path, strength, line });
  }
  if (!header) {
    throw new EditorInputError(
      `${csvName} is empty. Write the header path,strength and one row per image.`,
    );
  }
  if (rows.length === 0) {
    throw new EditorInputError(
      `${csvName} has a header but no rows. Add one row per image: path,strength.`,
    );
  }
  return rows;
}

function splitCsvLine(line: string, where: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i] as string;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else {
      field += c;
    }
    i++;
  }
  if (quoted) throw new EditorInputError(`${where}: a quoted field is not closed.`);
  fields.push(field);
  return fields;
}

/**
 * Natural order: runs of digits compare as numbers ("frame2" before "frame10"), the rest
 * case-insensitively; ties fall back to plain code-unit order so the order is total.
 */
export function naturalCompare(a: string, b: string): number {
  const ta = a.match(/\d+|\D+/g) ?? [];
  const tb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const x = ta[i] as string;
    const y = tb[i] as string;
    const digits = /^\d/.test(x) && /^\d/.test(y);
    let order: number;
    if (digits) {
      const xs = x.replace(/^0+(?=\d)/, '');
      const ys = y.replace(/^0+(?=\d)/, '');
      order = xs.length - ys.length || (xs < ys ? -1 : xs > ys ? 1 : 0);
    } else {
      const xl = x.toLowerCase();
      const yl = y.toLowerCase();
      order = xl < yl ? -1 : xl > yl ? 1 : 0;
    }
    if (order !== 0) return order;
  }
  return ta.length - tb.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * The numbers in a file-name stem: digits with an optional decimal part; a minus sign counts
 * only at the start or after "_" or "=" ("angle_-30" is -30, "frame-10" is 10).
 */
export function numbersInName(stem: string): number[] {
  return [...stem.matchAll(/(?:(?<=^|[_=])-)?\d+(?:\.\d+)?/g)].map((m) => Number(m[0]));
}

/**
 * Recorded frames: `edit` yields the frame recorded at each requested strength, which must be one
 * of `strengthsFor(params)`; `input.source` is not used (give the first frame as the source).
 */
export const sequenceEditor: DescribedEditor = {
  id: 'sequence',
  title: 'Sequence: recorded images with their strengths (folder or CSV)',
  identityAtZero: false,
  recorded: true,
  needsMask: false,
  parameterName: 'recorded strength',
  cheap: false,
  params: SPECS,
  resolveParams: resolveSequenceParams,
  periodOf: (params) => optionalNumberParam(resolveSequenceParams(params), 'period'),
  strengthsFor: async (params) =>
    (await loadSequence(params)).frames.map((frame) => frame.strength),
  async *edit(
    input: EditInput,
    strengths: readonly number[],
    signal?: AbortSignal,
  ): AsyncGenerator<EditedFrame> {
    const sequence = await loadSequence(input.params);
    const byStrength = new Map(sequence.frames.map((frame) => [frame.strength, frame]));
    for (const s of strengths) {
      if (!byStrength.has(s)) {
        const recorded = sequence.frames.map((f) => f.strength);
        const shown = recorded.slice(0, 8).join(', ') + (recorded.length > 8 ? ', ...' : '');
        throw new EditorInputError(
          `The sequence has no frame at strength ${s}; its recorded strengths are ${shown}. Take the strengths from the editor's strengthsFor(params).`,
        );
      }
    }
    for (const s of strengths) {
      signal?.throwIfAborted();
      const frame = byStrength.get(s) as SequenceFrame;
      const { image } = await readImage(frame.path);
      // The files may have changed since loadSequence probed them.
      if (image.width !== sequence.width || image.height !== sequence.height) {
        throw new ImageInputError(
          `${frame.path} is ${image.width}x${image.height} but the sequence's frames are ${sequence.width}x${sequence.height}; all frames must be the same size.`,
        );
      }
      yield { image, strength: s, parameter: s };
    }
  },
};

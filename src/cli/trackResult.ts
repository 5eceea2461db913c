// The result of a track run as it grows: checkpoints run later (a batch of a long run, a file that
// appeared while watching) are merged into the first run's result, in training order, and shown as
// rows (the --json contract and the table).
import { basename, resolve } from 'node:path';

import { orderCheckpoints } from '../shared/checkpoints';
import { formatNumber } from '../shared/format';
import type { ModelRecord, ResultFile, TrackCheckpoint } from '../shared/resultFile';
import { portable } from '../extension/store/resultFiles';
import { terminalText } from './terminal';

/** A result and the folder its relative paths are relative to. */
export interface PlacedResult {
  readonly result: ResultFile;
  readonly dir: string;
}

/**
 * `base` with the checkpoints of `added` (another run of the same path, saved in another folder)
 * merged in: their paths made relative to `base.dir`, every checkpoint ordered again (one without
 * an epoch turns an epoch order into a step or mtime order). Throws when the runs did not classify
 * the same path.
 */
export function mergeTrack(base: PlacedResult, added: PlacedResult): ResultFile {
  const a = base.result;
  const b = added.result;
  if (a.track === undefined || b.track === undefined)
    throw new Error('only the results of track runs merge');
  if (a.image.sha256 !== b.image.sha256 || a.mask?.sha256 !== b.mask?.sha256) {
    throw new Error(
      `${basename(a.image.path)} (or its mask) changed since the first checkpoints were run; start propsweep track again to run every checkpoint on the same image.`,
    );
  }
  if (
    a.frames.length !== b.frames.length ||
    a.frames.some((f, k) => f.strength !== b.frames[k]?.strength)
  )
    throw new Error('the runs classified different paths: their frames differ');
  const rebase = (path: string): string =>
    path === '' ? '' : portable(base.dir, resolve(added.dir, path));
  const models: ModelRecord[] = b.models.map((m) => ({
    ...m,
    path: rebase(m.path),
    ...(m.files === undefined
      ? {}
      : { files: m.files.map((f) => ({ ...f, path: rebase(f.path) })) }),
  }));
  const entries = [
    ...pairs(a.models, a.track.checkpoints, (c) => c),
    ...pairs(models, b.track.checkpoints, (c) => ({ ...c, file: rebase(c.file) })),
  ];
  const ordered = orderCheckpoints(entries);
  return {
    ...a,
    models: ordered.files.map((e) => e.model),
    track: { order: ordered.order, checkpoints: ordered.files.map((e) => e.checkpoint) },
  };
}

function pairs(
  models: readonly ModelRecord[],
  checkpoints: readonly TrackCheckpoint[],
  place: (c: TrackCheckpoint) => TrackCheckpoint,
): { file: string; mtimeMs: number; model: ModelRecord; checkpoint: TrackCheckpoint }[] {
  if (models.length !== checkpoints.length)
    throw new Error('a track result needs one checkpoint per model');
  return checkpoints.map((c, i) => {
    const checkpoint = place(c);
    const model = models[i];
    if (model === undefined) throw new Error('a track result needs one checkpoint per model');
    return { file: checkpoint.file, mtimeMs: Date.parse(checkpoint.mtime), model, checkpoint };
  });
}

/** One checkpoint's row of `propsweep track --json`. */
export interface TrackRow {
  /** The checkpoint file, absolute. */
  readonly checkpoint: string;
  readonly name: string;
  readonly epoch: number | null;
  readonly step: number | null;
  readonly mtime: string;
  readonly epgm: number;
  readonly p_value: number;
  readonly significant: boolean;
  readonly flips: number | null;
  readonly flip_strengths: readonly number[] | null;
  readonly labels: readonly string[];
  readonly predictions: readonly (readonly number[])[];
  readonly inference_ms: number;
  readonly warnings: readonly string[];
}

/** The rows of a track result saved in `dir`, in its (training) order. */
export function trackRows(placed: PlacedResult): TrackRow[] {
  const { result, dir } = placed;
  const checkpoints = result.track?.checkpoints ?? [];
  return result.models.flatMap((m, i) => {
    const c = checkpoints[i];
    if (c === undefined) return [];
    return [
      {
        checkpoint: resolve(dir, c.file),
        name: m.name,
        epoch: c.epoch,
        step: c.step,
        mtime: c.mtime,
        epgm: m.measure.epgm,
        p_value: m.measure.p_value,
        significant: m.measure.significant,
        flips: m.measure.flips,
        flip_strengths: m.measure.flip_strengths,
        labels: m.labels,
        predictions: m.predictions,
        inference_ms: m.inferenceMs,
        warnings: [...m.measure.warnings, ...m.notes],
      },
    ];
  });
}

/** The table's header lines. */
export function trackTableHeader(): string[] {
  return [
    `  ${'checkpoint'.padEnd(28)} ${'epoch'.padStart(7)} ${'step'.padStart(9)} ${'EPGM'.padStart(10)} ${'p'.padStart(10)} ${'flips'.padStart(6)}`,
  ];
}

/** A row of the table; the checkpoint's file name (anyone's) as terminalText writes it. */
export function trackTableLine(row: TrackRow): string {
  const counter = (n: number | null): string => (n === null ? '-' : String(n));
  return `  ${terminalText(basename(row.checkpoint)).padEnd(28)} ${counter(row.epoch).padStart(7)} ${counter(row.step).padStart(9)} ${formatNumber(row.epgm).padStart(10)} ${formatNumber(row.p_value).padStart(10)} ${String(row.flips ?? '-').padStart(6)}`;
}

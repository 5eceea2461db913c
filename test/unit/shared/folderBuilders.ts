// Builders of folder-run rows and files with small numbers (not a test file: no `.test.ts`).
import {
  FOLDER_FILE_VERSION,
  type FolderFile,
  type FolderImageRow,
  type FolderSettings,
  type ShardRecord,
} from '../../../src/shared/folderFile';
import { summarize } from '../../../src/shared/folderSummary';

/** Two classifiers, three steps, Holm at 0.05. */
export function folderSettings(overrides: Partial<FolderSettings> = {}): FolderSettings {
  return {
    editor: 'brightness',
    params: { factor: 1.8 },
    steps: 3,
    seed: 0,
    seeds: 1,
    permutations: 200,
    alpha: 0.05,
    legacy: false,
    adjustment: 'holm',
    models: [
      { name: 'a', kind: 'onnx', sha256: 'a'.repeat(64), files: [] },
      { name: 'b', kind: 'clip', sha256: 'b'.repeat(64), files: ['c'.repeat(64)] },
    ],
    ...overrides,
  };
}

/** What a classifier measured on one image (p_adjusted and significant are summarize's). */
export interface Measured {
  readonly p: number;
  readonly epgm?: number;
  readonly flips?: number;
  readonly curve?: readonly number[];
}

/** A measured image, one entry per classifier of the settings (names 'a', 'b', ...). */
export function doneRow(
  image: string,
  models: readonly Measured[],
  resumed = false,
): FolderImageRow {
  const key = image.replace(/[^A-Za-z0-9._-]/g, '_');
  return {
    image,
    status: 'done',
    sha256: 'd'.repeat(64),
    result_file: `images/${key}/${key}.propsweep.json`,
    thumbnail: `images/${key}/thumb.png`,
    reason: null,
    resumed,
    models: models.map((m, k) => ({
      model: String.fromCharCode(97 + k),
      epgm: m.epgm ?? 1,
      p_value: m.p,
      p_adjusted: 1,
      significant: false,
      flips: m.flips ?? 0,
      curve: m.curve ?? [0.9, 0.6, 0.3],
    })),
  };
}

/** An image that was not measured. */
export function notDoneRow(image: string, status: 'skipped' | 'failed'): FolderImageRow {
  return {
    image,
    status,
    sha256: status === 'skipped' ? 'e'.repeat(64) : '',
    result_file: null,
    thumbnail: null,
    reason: status === 'skipped' ? `no mask ${image}.mask.png` : 'the image cannot be decoded',
    resumed: false,
    models: [],
  };
}

/** A complete folder file over `rows`, summarized as a run writes it. */
export function folderFile(
  rows: readonly FolderImageRow[],
  options: { shard?: ShardRecord | null; settings?: FolderSettings } = {},
): FolderFile {
  const settings = options.settings ?? folderSettings();
  const summarized = summarize(settings, rows);
  return {
    propsweep_folder: FOLDER_FILE_VERSION,
    created: '2026-01-02T03:04:05.678Z',
    folder: '/data/lesions',
    recursive: false,
    limit: null,
    shard: options.shard ?? null,
    merged: [],
    settings,
    strengths: [0, 0.5, 1],
    labels: settings.models.map(() => ['benign', 'malignant']),
    rows: summarized.rows,
    summary: summarized.summary,
  };
}

// Builders of folder-run rows and files (not a test file: no `.test.ts`): small ones with a few
// numbers for the maths and the format, and a realistic run (demoFolderFile) for what shows it.
import {
  FOLDER_FILE_VERSION,
  type FolderFile,
  type FolderImageRow,
  type FolderModelRow,
  type FolderSettings,
  type ShardRecord,
} from '../../../src/shared/folderFile';
import { summarize } from '../../../src/shared/folderSummary';

/** What an image's and a folder's run request share. */
function runOptions(): Record<string, unknown> {
  return {
    editor: 'brightness',
    params: {},
    steps: 9,
    seed: 0,
    permutations: 100,
    alpha: 0.01,
    models: [{ path: 'm.onnx' }],
    provider: 'cpu',
    outDir: 'out',
    cacheDir: 'cache',
  };
}

/** An explain/run request the inference child takes (id 3). */
export function explainRunRequest(): Record<string, unknown> {
  return { type: 'explain/run', id: 3, image: 'a.png', ...runOptions(), name: 'a-brightness' };
}

/** An explainFolder/run request the inference child takes. */
export function folderRunRequest(): Record<string, unknown> {
  return {
    type: 'explainFolder/run',
    id: 4,
    folder: 'images',
    recursive: false,
    limit: null,
    shard: null,
    adjustment: 'holm',
    ...runOptions(),
    name: 'images-brightness',
  };
}

/** Two classifiers, three steps, Holm at 0.05. */
export function folderSettings(overrides: Partial<FolderSettings> = {}): FolderSettings {
  return {
    editor: 'brightness',
    params: { factor: 1.8 },
    content: null,
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

/**
 * A folder file over `rows`, summarized as a run writes it: complete unless `listed` says the run
 * selected more images than it did.
 */
export function folderFile(
  rows: readonly FolderImageRow[],
  options: { shard?: ShardRecord | null; settings?: FolderSettings; listed?: number } = {},
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
    listed: options.listed ?? rows.length,
    settings,
    strengths: [0, 0.5, 1],
    labels: settings.models.map(() => ['benign', 'malignant']),
    rows: summarized.rows,
    summary: summarized.summary,
  };
}

/** The classifiers of demoFolderFile, in settings order. */
export const DEMO_FOLDER_MODELS = ['unbiased', 'dark-cats', 'dark-dogs'] as const;

const DEMO_STRENGTHS = Array.from({ length: 11 }, (_, k) => k / 10);

/** What demo classifier `model` measured on image `image`, from a fixed formula. */
function demoModelRow(model: number, image: number): FolderModelRow {
  // dark-cats and dark-dogs swing on every other image (cats vs dogs); unbiased barely moves.
  const biased = model > 0 && (image + model) % 2 === 0;
  const swing = model === 0 ? 0.01 + 0.002 * image : biased ? 0.55 + 0.04 * image : 0.02 * model;
  const start = 0.9 - 0.01 * image;
  const curve = DEMO_STRENGTHS.map((t) =>
    Math.min(1, Math.max(0, start - swing * t * (1 + 0.2 * t))),
  );
  const p = biased ? 1e-4 * (image + 1) : model === 0 ? 0.2 + 0.05 * image : 0.03 + 0.01 * image;
  return {
    model: DEMO_FOLDER_MODELS[model] ?? 'model',
    epgm: swing * (1 + 0.1 * model),
    p_value: p,
    // Filled in by summarize over the images.
    p_adjusted: p,
    significant: false,
    flips: biased && curve.at(-1) !== undefined && (curve.at(-1) ?? 1) < 0.5 ? 1 : 0,
    curve,
  };
}

function demoDoneRow(i: number): FolderImageRow {
  const stem =
    i % 3 === 0 ? `cat-${String(i).padStart(3, '0')}` : `dog-${String(i).padStart(3, '0')}`;
  return {
    image: `${i % 4 === 0 ? 'night/' : ''}${stem}.png`,
    status: 'done',
    sha256: (i + 10).toString(16).repeat(64).slice(0, 64),
    result_file: `images/${stem}/${stem}.propsweep.json`,
    thumbnail: `images/${stem}/thumb.png`,
    reason: null,
    resumed: i < 2,
    models: DEMO_FOLDER_MODELS.map((_, m) => demoModelRow(m, i)),
  };
}

/**
 * A realistic folder run, for the aggregate panel, its exports and its messages: the three demo
 * classifiers over `done` explained images (two biased models that flip on about half of them,
 * an unbiased one that never does), then two skipped for a missing mask and one that failed.
 * Numbers come from a fixed formula, so every test sees the same file.
 */
export function demoFolderFile(done = 9): FolderFile {
  const skipped = (image: string, sha256: string): FolderImageRow => ({
    ...notDoneRow(image, 'skipped'),
    sha256,
    reason: `no mask ${image.replace(/\.png$/, '.mask.png')} beside it (the object-colour edit needs one)`,
  });
  const rows: FolderImageRow[] = [
    ...Array.from({ length: done }, (_, i) => demoDoneRow(i)),
    skipped('fox-001.png', 'ab'.repeat(32)),
    skipped('fox-002.png', 'cd'.repeat(32)),
    {
      ...notDoneRow('broken.png', 'failed'),
      reason: 'broken.png is not a decodable image (truncated PNG data)',
    },
  ];
  const settings = folderSettings({
    editor: 'recolor',
    params: { target: '#ffffff' },
    steps: DEMO_STRENGTHS.length,
    permutations: 1000,
    alpha: 0.01,
    models: DEMO_FOLDER_MODELS.map((name, i) => ({
      name,
      kind: 'onnx',
      sha256: String(i).repeat(64),
      files: [],
    })),
  });
  return {
    ...folderFile(rows, { settings }),
    created: '2026-03-02T10:00:00.000Z',
    folder: 'photos',
    recursive: true,
    strengths: DEMO_STRENGTHS,
    labels: DEMO_FOLDER_MODELS.map(() => ['cat', 'dog']),
  };
}

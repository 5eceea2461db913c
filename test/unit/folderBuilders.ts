// A realistic folder run for tests of the aggregate panel, its exports and its messages: the three
// demo classifiers over twelve images, nine explained (two biased models that flip on about half
// of them, an unbiased one that never does), two skipped for a missing mask and one that failed.
// Numbers come from a fixed formula, so every test sees the same file; the summary is computed
// from the rows by summarize (shared/folderSummary.ts), so adjusted p, shares and curves agree.
import type {
  FolderFile,
  FolderImageRow,
  FolderModelRow,
  FolderSettings,
} from '../../src/shared/folderFile';
import { summarize } from '../../src/shared/folderSummary';

/** The classifiers of the fixture, in settings order. */
export const FOLDER_MODELS = ['unbiased', 'dark-cats', 'dark-dogs'] as const;

const STRENGTHS = Array.from({ length: 11 }, (_, k) => k / 10);

function modelRow(model: number, image: number): FolderModelRow {
  // dark-cats and dark-dogs swing on every other image (cats vs dogs); unbiased barely moves.
  const biased = model > 0 && (image + model) % 2 === 0;
  const swing = model === 0 ? 0.01 + 0.002 * image : biased ? 0.55 + 0.04 * image : 0.02 * model;
  const start = 0.9 - 0.01 * image;
  const curve = STRENGTHS.map((t) => Math.min(1, Math.max(0, start - swing * t * (1 + 0.2 * t))));
  const p = biased ? 1e-4 * (image + 1) : model === 0 ? 0.2 + 0.05 * image : 0.03 + 0.01 * image;
  return {
    model: FOLDER_MODELS[model] ?? 'model',
    epgm: swing * (1 + 0.1 * model),
    p_value: p,
    // Filled in by summarize over the images.
    p_adjusted: p,
    significant: false,
    flips: biased && curve.at(-1) !== undefined && (curve.at(-1) ?? 1) < 0.5 ? 1 : 0,
    curve,
  };
}

function doneRow(i: number): FolderImageRow {
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
    models: FOLDER_MODELS.map((_, m) => modelRow(m, i)),
  };
}

/** The folder run of the fixture; `done` explained images (at least one), then 2 skipped, 1 failed. */
export function folderFile(done = 9): FolderFile {
  const measured = Array.from({ length: done }, (_, i) => doneRow(i));
  const rows: FolderImageRow[] = [
    ...measured,
    {
      image: 'fox-001.png',
      status: 'skipped',
      sha256: 'ab'.repeat(32),
      result_file: null,
      thumbnail: null,
      reason: 'no mask fox-001.mask.png beside it (the object-colour edit needs one)',
      resumed: false,
      models: [],
    },
    {
      image: 'fox-002.png',
      status: 'skipped',
      sha256: 'cd'.repeat(32),
      result_file: null,
      thumbnail: null,
      reason: 'no mask fox-002.mask.png beside it (the object-colour edit needs one)',
      resumed: false,
      models: [],
    },
    {
      image: 'broken.png',
      status: 'failed',
      sha256: '',
      result_file: null,
      thumbnail: null,
      reason: 'broken.png is not a decodable image (truncated PNG data)',
      resumed: false,
      models: [],
    },
  ];
  const settings: FolderSettings = {
    editor: 'recolor',
    params: { target: '#ffffff' },
    steps: STRENGTHS.length,
    seed: 0,
    seeds: 1,
    permutations: 1000,
    alpha: 0.01,
    legacy: false,
    adjustment: 'holm',
    models: FOLDER_MODELS.map((name, i) => ({
      name,
      kind: 'onnx',
      sha256: String(i).repeat(64),
      files: [],
    })),
  };
  const summarized = summarize(settings, rows);
  return {
    propsweep_folder: 1,
    created: '2026-03-02T10:00:00.000Z',
    folder: 'photos',
    recursive: true,
    limit: null,
    shard: null,
    merged: [],
    settings,
    strengths: STRENGTHS,
    labels: FOLDER_MODELS.map(() => ['cat', 'dog']),
    rows: summarized.rows,
    summary: summarized.summary,
  };
}

// Builders for the webview tests: small results whose every number is written here, so the
// expected values in the tests can be checked by hand (not a test file: no `.test.ts` suffix).
import { EMPTY_SNAPSHOT, type PanelSnapshot } from '../../../src/shared/protocol';
import type { MeasureJson } from '../../../src/shared/result';
import type { ModelRecord, ResultFile } from '../../../src/shared/resultFile';

/** A measurement with neutral values; override what a test reads. */
export function measure(overrides: Partial<MeasureJson> = {}): MeasureJson {
  return {
    n_steps: 5,
    n_outputs: 2,
    labels: ['cat', 'dog'],
    axis: 'strength',
    periodic: false,
    period: null,
    edge_order: 1,
    statistic: 'aggregate',
    output: null,
    strengths: [0, 0.25, 0.5, 0.75, 1],
    t: [0, 0.25, 0.5, 0.75, 1],
    epgm: 0.5,
    epgm_per_output: [0.5, 0.5],
    total_variation: 1,
    total_variation_per_output: [1, 1],
    p_value: 0.01,
    p_value_legacy: 0.01,
    null_mean: 2,
    null_sd: 0.5,
    n_permutations: 120,
    exact: true,
    exceedances: 1,
    min_achievable_p: 2 / 120,
    seed: 7,
    alpha: 0.01,
    significant: true,
    direction: 'smoother',
    flips: 1,
    flip_strengths: [0.75],
    flip_details: [{ index: 3, strength: 0.75, t: 0.75, from: 0, to: 1 }],
    predicted_classes: [0, 0, 0, 1, 1],
    source_class: 0,
    source_class_lost: true,
    warnings: [],
    ...overrides,
  };
}

/** A two-class model whose cat probability falls linearly from 1 to 0 over five steps. */
export function model(overrides: Partial<ModelRecord> = {}): ModelRecord {
  return {
    name: 'fur',
    path: 'fur.onnx',
    sha256: 'f'.repeat(64),
    provider: 'cpu',
    fallbackReason: null,
    labels: ['cat', 'dog'],
    predictions: [
      [1, 0],
      [0.75, 0.25],
      [0.5, 0.5],
      [0.25, 0.75],
      [0, 1],
    ],
    measure: measure(),
    inferenceMs: 12.5,
    notes: [],
    ...overrides,
  };
}

/** A five-step result with the given models. */
export function result(models: readonly ModelRecord[] = [model()]): ResultFile {
  const strengths = [0, 0.25, 0.5, 0.75, 1];
  return {
    propsweep: 1,
    created: '2026-01-01T00:00:00.000Z',
    image: { path: 'cat.png', sha256: 'a'.repeat(64), width: 8, height: 8 },
    mask: { path: 'cat.mask.png', sha256: 'b'.repeat(64) },
    editor: {
      id: 'recolor',
      title: 'Recolour',
      params: { target: '#ffffff' },
      parameterName: 'fraction',
      identityAtZero: true,
      seed: 0,
    },
    frames: strengths.map((strength, k) => ({
      file: `frames/${k}.png`,
      strength,
      parameter: strength,
      changeInside: strength / 4,
      changeOutside: strength / 400,
    })),
    quality: { masked: true, leakage: 0.01, clean: true, message: null },
    models,
    timings: { totalMs: 3 },
  };
}

/** A snapshot of a finished run showing `r`. */
export function snapshot(r: ResultFile | null = result()): PanelSnapshot {
  return {
    ...EMPTY_SNAPSHOT,
    title: 'cat',
    state: 'done',
    result: r,
    frameUris: r === null ? [] : r.frames.map((f) => `https://file.test/${f.file}`),
  };
}

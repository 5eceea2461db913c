// Builders for big test objects: a complete, valid result with small numbers.
import { toMeasureJson } from '../../src/extension/pipeline/measureJson';
import { measure } from '../../src/extension/measures';
import { RESULT_FILE_VERSION, type ResultFile } from '../../src/shared/resultFile';

/** A valid three-model-free result: one model, five frames, a flip from cat to dog. */
export function sampleResult(): ResultFile {
  const strengths = [0, 0.25, 0.5, 0.75, 1];
  const predictions = strengths.map((t) => [1 - t, t]);
  const labels = ['cat', 'dog'];
  return {
    propsweep: RESULT_FILE_VERSION,
    created: '2026-01-01T00:00:00.000Z',
    image: { path: 'cat.png', sha256: 'a'.repeat(64), width: 8, height: 8 },
    mask: null,
    editor: {
      id: 'brightness',
      title: 'Brightness',
      params: { factor: 1.8 },
      parameterName: 'factor',
      identityAtZero: true,
      seed: 0,
    },
    frames: strengths.map((strength, k) => ({
      file: `frames/${k}.png`,
      strength,
      parameter: 1 + 0.8 * strength,
      changeInside: strength / 10,
      changeOutside: null,
    })),
    quality: { masked: false, leakage: null, clean: true, message: null },
    models: [
      {
        name: 'tiny <model>',
        path: 'tiny.onnx',
        sha256: 'b'.repeat(64),
        provider: 'cpu',
        fallbackReason: null,
        labels,
        predictions,
        measure: toMeasureJson(measure({ predictions, strengths }, { permutations: 50 }), labels),
        inferenceMs: 1,
        notes: [],
      },
    ],
    timings: { totalMs: 3 },
  };
}

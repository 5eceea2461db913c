// A result of a diffusion editor: the sample result with everything such an editor records (the
// editor model's files, what the run did, the jump from the source to the reconstruction, the
// source's prediction and the spread over three seeds).
import type { ResultFile } from '../../src/shared/resultFile';
import { sampleResult } from './builders';

/** The sample result as an instruct-pix2pix run with seeds 0, 1, 2 would record it. */
export function diffusionResult(): ResultFile {
  const base = sampleResult();
  const model = base.models[0];
  if (model === undefined) throw new Error('the sample has a model');
  return {
    ...base,
    editor: {
      id: 'instruct-pix2pix',
      title: 'Instruction edit (diffusion)',
      params: { instruction: 'make the fur white', guidanceMax: 10 },
      parameterName: 'guidance',
      identityAtZero: false,
      seed: 0,
      content: {
        sha256: 'c'.repeat(64),
        files: [{ name: 'unet/model.onnx', bytes: 1234, sha256: 'd'.repeat(64) }],
      },
      run: {
        size: [64, 48],
        provider: 'cuda',
        fallbackReason: null,
        counts: { denoiseSteps: 20, unetCalls: 91, imageEvaluations: 1821, frames: 5 },
        phasesMs: { unet: 11_100, total: 12_345 },
        notes: ['the VAE encoder samples its latents: seeded'],
      },
    },
    reconstruction: { change: 0.041 },
    models: [
      {
        ...model,
        sourcePrediction: [0.99, 0.01],
        seedSpread: {
          seeds: [0, 1, 2],
          epgm: [0.9, 1, 1.1],
          flips: [1, 1, 2],
          epgmMean: 1,
          epgmStd: 0.1,
          lower: model.predictions.map((row) => row.map((v) => Math.max(0, v - 0.05))),
          upper: model.predictions.map((row) => row.map((v) => Math.min(1, v + 0.05))),
        },
      },
    ],
  };
}

/** `x` without the field `key` (an optional record left out, as a file without it has). */
export function without<T extends object, K extends keyof T>(x: T, key: K): Omit<T, K> {
  return Object.fromEntries(Object.entries(x).filter(([k]) => k !== key)) as Omit<T, K>;
}

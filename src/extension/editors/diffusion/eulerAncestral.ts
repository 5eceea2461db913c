// Euler ancestral (Karras et al. 2022's sampler in k-diffusion), as diffusers'
// EulerAncestralDiscreteScheduler steps it: latents live in sigma space, each step takes an Euler
// step down to sigma_down and adds fresh noise of sigma_up, so the noise is part of the result
// (the sampler draws it once per step and shares it across strengths).
import { EditorInputError } from '../types';
import { alphasCumprod } from './noiseSchedule';
import { checkStep, checkStepIndex, type Scheduler } from './scheduler';
import type { SchedulerConfig } from './schedulerConfig';
import { eulerTimesteps } from './timesteps';

/** One step's float64 coefficients: the input scale and x_prev = cx * x + cm * m + up * noise. */
interface StepCoefficients {
  readonly scale: number;
  readonly cx: number;
  readonly cm: number;
  readonly up: number;
}

/**
 * numpy.interp(x, arange(fp.length), fp): linear between neighbouring whole timesteps, the end
 * values outside.
 */
export function interpAtTimestep(x: number, fp: Float64Array): number {
  const last = fp.length - 1;
  if (x <= 0) return fp[0] as number;
  if (x >= last) return fp[last] as number;
  const j = Math.floor(x);
  const low = fp[j] as number;
  return ((fp[j + 1] as number) - low) * (x - j) + low;
}

/** EulerAncestralDiscreteScheduler after set_timesteps(steps). */
export function createEulerAncestral(config: SchedulerConfig, steps: number): Scheduler {
  if (config.predictionType === 'sample')
    throw new EditorInputError(
      `Euler ancestral cannot sample a model whose scheduler_config.json has prediction_type "sample" (diffusers' EulerAncestralDiscreteScheduler does not implement it either). Use the DDIM scheduler.`,
    );
  const spacing = config.timestepSpacing ?? 'linspace';
  const timesteps = eulerTimesteps({
    numTrainTimesteps: config.numTrainTimesteps,
    steps,
    spacing,
    stepsOffset: config.stepsOffset,
  });
  // The noise level of each training timestep: x_t / sqrt(abar) = x0 + sigma * eps.
  const trainSigmas = alphasCumprod(config).map((a) => Math.sqrt((1 - a) / a));
  const sigmas = [...timesteps.map((t) => interpAtTimestep(t, trainSigmas)), 0];
  const maxSigma = Math.max(...sigmas);
  const initNoiseSigma = spacing === 'leading' ? Math.sqrt(maxSigma * maxSigma + 1) : maxSigma;

  // Per step: the input scale, and x_prev = cx * x + cm * m + up * noise, which is
  // x + (x - x0) / sigma * (sigma_down - sigma) + sigma_up * noise with x0 = a * x + b * m.
  const perStep = Array.from({ length: steps }, (_, i): StepCoefficients => {
    const from = sigmas[i] as number;
    const to = sigmas[i + 1] as number;
    const s2 = from * from + 1;
    const [a, b] =
      config.predictionType === 'epsilon' ? [1, -from] : [1 / s2, -from / Math.sqrt(s2)];
    const up = Math.sqrt(Math.max(0, (to * to * (from * from - to * to)) / (from * from)));
    const down = Math.sqrt(Math.max(0, to * to - up * up));
    const dt = down - from;
    return { scale: 1 / Math.sqrt(s2), cx: 1 + (dt * (1 - a)) / from, cm: (-dt * b) / from, up };
  });

  return {
    kind: 'euler-ancestral',
    timesteps,
    initNoiseSigma,
    stochastic: true,
    inputScale(i: number): number {
      checkStepIndex(steps, i);
      return (perStep[i] as StepCoefficients).scale;
    },
    step(i, modelOutput, sample, out, noise): void {
      checkStep(steps, i, modelOutput, sample, out);
      if (noise?.length !== sample.length)
        throw new RangeError(
          `Euler ancestral step ${String(i)} needs noise of ${String(sample.length)} values, got ${noise === undefined ? 'none' : String(noise.length)}`,
        );
      const { cx, cm, up } = perStep[i] as StepCoefficients;
      for (let j = 0, n = sample.length; j < n; j++)
        out[j] =
          cx * (sample[j] as number) + cm * (modelOutput[j] as number) + up * (noise[j] as number);
    },
  };
}

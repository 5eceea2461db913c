// DDIM (Song et al. 2021) with eta = 0, as diffusers' DDIMScheduler steps it: deterministic, so a
// path of edits moves only with the guidance, never with sampler noise. Like diffusers, the
// previous timestep is t - num_train_timesteps // steps for every spacing (for 'linspace' that is
// not the next timestep of the schedule: diffusers' behaviour, kept so that runs compare).
import { EditorInputError } from '../types';
import { alphasCumprod } from './noiseSchedule';
import { checkStep, checkStepIndex, type Scheduler } from './scheduler';
import type { SchedulerConfig } from './schedulerConfig';
import { ddimTimesteps } from './timesteps';

/** One step's float64 coefficients (see predictionCoefficients); cx, cm: x_prev when unclipped. */
interface StepCoefficients {
  readonly ax: number;
  readonly am: number;
  readonly ex: number;
  readonly em: number;
  readonly toX0: number;
  readonly toEps: number;
  readonly cx: number;
  readonly cm: number;
}

/**
 * x0 = ax * x + am * m and eps = ex * x + em * m (m the model output, x the latents) for each
 * prediction type at alphas_cumprod `abar`.
 */
function predictionCoefficients(
  config: SchedulerConfig,
  abar: number,
): { ax: number; am: number; ex: number; em: number } {
  const signal = Math.sqrt(abar);
  const noise = Math.sqrt(1 - abar);
  switch (config.predictionType) {
    case 'epsilon':
      return { ax: 1 / signal, am: -noise / signal, ex: 0, em: 1 };
    case 'sample':
      return { ax: 0, am: 1, ex: 1 / noise, em: -signal / noise };
    case 'v_prediction':
      return { ax: signal, am: -noise, ex: noise, em: signal };
  }
}

/** DDIMScheduler after set_timesteps(steps), stepping with eta 0. */
export function createDdim(config: SchedulerConfig, steps: number): Scheduler {
  const train = config.numTrainTimesteps;
  const timesteps = ddimTimesteps({
    numTrainTimesteps: train,
    steps,
    spacing: config.timestepSpacing ?? 'leading',
    stepsOffset: config.stepsOffset,
  });
  const first = timesteps[0] as number;
  if (first > train - 1)
    throw new EditorInputError(
      `With steps_offset ${String(config.stepsOffset)}, ${String(steps)} denoising steps start at timestep ${String(first)}, past the model's last (${String(train - 1)}). Use fewer steps or fix steps_offset in scheduler_config.json.`,
    );
  const abar = alphasCumprod(config);
  const finalAbar = config.setAlphaToOne ? 1 : (abar[0] as number);
  const stride = Math.floor(train / steps);
  // x_prev = sqrt(abar_prev) * x0 + sqrt(1 - abar_prev) * eps: eta 0 adds no noise.
  const perStep = timesteps.map((t): StepCoefficients => {
    const prev = t - stride;
    const abarPrev = prev >= 0 ? (abar[prev] as number) : finalAbar;
    const toX0 = Math.sqrt(abarPrev);
    const toEps = Math.sqrt(1 - abarPrev);
    const { ax, am, ex, em } = predictionCoefficients(config, abar[t] as number);
    return { ax, am, ex, em, toX0, toEps, cx: toX0 * ax + toEps * ex, cm: toX0 * am + toEps * em };
  });
  const clip = config.clipSample;
  const range = config.clipSampleRange;

  return {
    kind: 'ddim',
    timesteps,
    initNoiseSigma: 1,
    stochastic: false,
    inputScale(i: number): number {
      checkStepIndex(steps, i);
      return 1;
    },
    step(i, modelOutput, sample, out): void {
      checkStep(steps, i, modelOutput, sample, out);
      const { ax, am, ex, em, toX0, toEps, cx, cm } = perStep[i] as StepCoefficients;
      const n = sample.length;
      if (!clip) {
        // x_prev is linear in (x, m): two coefficients per element.
        for (let j = 0; j < n; j++)
          out[j] = cx * (sample[j] as number) + cm * (modelOutput[j] as number);
        return;
      }
      // clip_sample clamps x0 only; eps keeps the unclipped prediction (diffusers'
      // use_clipped_model_output = False).
      for (let j = 0; j < n; j++) {
        const x = sample[j] as number;
        const m = modelOutput[j] as number;
        const x0 = Math.min(range, Math.max(-range, ax * x + am * m));
        out[j] = toX0 * x0 + toEps * (ex * x + em * m);
      }
    },
  };
}

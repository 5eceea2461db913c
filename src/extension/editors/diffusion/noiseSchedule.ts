// The training noise schedule of a diffusion model: betas per training timestep and their
// cumulative product of (1 - beta), as diffusers' DDIMScheduler and EulerAncestralDiscreteScheduler
// build them in their constructors. diffusers computes these in float32; we use float64 (the
// values differ by float32 rounding, about 1e-6 relative, far below an fp16 UNet's own error).
import type { SchedulerConfig } from './schedulerConfig';

/** diffusers' cap on a squaredcos_cap_v2 beta (betas_for_alpha_bar's max_beta). */
const MAX_COSINE_BETA = 0.999;

/** The fields the noise schedule depends on. */
export type BetaConfig = Pick<
  SchedulerConfig,
  'numTrainTimesteps' | 'betaStart' | 'betaEnd' | 'betaSchedule' | 'trainedBetas'
>;

/** beta_t for t = 0 .. numTrainTimesteps - 1. */
export function betas(config: BetaConfig): Float64Array {
  const n = config.numTrainTimesteps;
  if (config.trainedBetas !== null) return Float64Array.from(config.trainedBetas);
  switch (config.betaSchedule) {
    case 'linear':
      return linspace(config.betaStart, config.betaEnd, n);
    case 'scaled_linear':
      // Stable Diffusion's schedule: linear in sqrt(beta).
      return linspace(Math.sqrt(config.betaStart), Math.sqrt(config.betaEnd), n).map((b) => b * b);
    case 'squaredcos_cap_v2':
      return cosineBetas(n);
  }
}

/** alphas_cumprod[t] = prod_{s <= t} (1 - beta_s): the signal fraction left at timestep t. */
export function alphasCumprod(config: BetaConfig): Float64Array {
  const out = betas(config);
  let product = 1;
  for (let t = 0; t < out.length; t++) {
    product *= 1 - (out[t] as number);
    out[t] = product;
  }
  return out;
}

/**
 * n values from start to stop inclusive, with numpy.linspace's arithmetic (start + k * step, the
 * last exactly stop), so that rounding them rounds the same numbers numpy rounds.
 */
export function linspace(start: number, stop: number, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) {
    out[0] = start;
    return out;
  }
  const step = (stop - start) / (n - 1);
  for (let k = 0; k < n; k++) out[k] = k * step + start;
  out[n - 1] = stop;
  return out;
}

/**
 * Nichol and Dhariwal's cosine schedule, discretised as diffusers' betas_for_alpha_bar does:
 * beta_i = min(1 - abar((i + 1) / n) / abar(i / n), 0.999).
 */
function cosineBetas(n: number): Float64Array {
  const alphaBar = (t: number): number => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++)
    out[i] = Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), MAX_COSINE_BETA);
  return out;
}

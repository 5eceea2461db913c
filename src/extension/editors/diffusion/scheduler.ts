// What every sampler of the diffusion editor offers: diffusers' set_timesteps, init_noise_sigma,
// scale_model_input and step, for one item's latents at a time.

/** The samplers offered (`--scheduler`). */
export type SchedulerKind = 'ddim' | 'euler-ancestral';

/** Every SchedulerKind, for the CLI's choices and messages. */
export const SCHEDULER_KINDS: readonly SchedulerKind[] = ['ddim', 'euler-ancestral'];

/** A sampler set up for a number of denoising steps (diffusers' scheduler after set_timesteps). */
export interface Scheduler {
  readonly kind: SchedulerKind;
  /** The model timestep of each denoising step, in the order they run (Euler: may be fractional). */
  readonly timesteps: readonly number[];
  /** Initial latents = unit Gaussian noise * initNoiseSigma. */
  readonly initNoiseSigma: number;
  /** Whether `step` needs fresh unit Gaussian noise (Euler ancestral). */
  readonly stochastic: boolean;
  /** The factor scale_model_input applies to the noisy latents at step i (DDIM 1; Euler 1 / sqrt(sigma_i^2 + 1)). */
  inputScale(i: number): number;
  /**
   * One denoising step for ONE item: from the model output and the current latents, write the
   * next latents into `out` (may alias `sample`). `noise` (same length) is required when
   * stochastic.
   */
  step(
    i: number,
    modelOutput: Float32Array,
    sample: Float32Array,
    out: Float32Array,
    noise?: Float32Array,
  ): void;
}

/**
 * Throws unless `i` is a step of a schedule of `steps` and the arrays have one length (a caller's
 * bug, not a user's: a plain RangeError).
 */
export function checkStep(
  steps: number,
  i: number,
  modelOutput: Float32Array,
  sample: Float32Array,
  out: Float32Array,
): void {
  checkStepIndex(steps, i);
  if (modelOutput.length !== sample.length || out.length !== sample.length)
    throw new RangeError(
      `step arrays differ in length: model output ${String(modelOutput.length)}, sample ${String(sample.length)}, out ${String(out.length)}`,
    );
}

/** Throws a RangeError unless `i` is one of `steps` denoising steps (0-based). */
export function checkStepIndex(steps: number, i: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= steps)
    throw new RangeError(`step ${String(i)} is not one of the ${String(steps)} denoising steps`);
}

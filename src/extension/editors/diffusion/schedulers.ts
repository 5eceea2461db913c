// The samplers of the diffusion editor: one interface, two implementations (DDIM with eta 0 and
// Euler ancestral), both built from a model's scheduler_config.json as diffusers builds them, so a
// run can be compared with a diffusers run on the same initial latents. All coefficients are
// computed once here in float64; `step` is a plain loop over one item's latents.
import { EditorInputError } from '../types';
import { createDdim } from './ddim';
import { createEulerAncestral } from './eulerAncestral';
import type { Scheduler, SchedulerKind } from './scheduler';
import type { SchedulerConfig } from './schedulerConfig';

export type { Scheduler, SchedulerKind } from './scheduler';
export { SCHEDULER_KINDS } from './scheduler';

/** Most denoising steps accepted (diffusers' examples use 100 at most). */
export const MAX_DENOISE_STEPS = 1000;

/**
 * The scheduler of `kind` for `steps` denoising steps. Throws EditorInputError when the steps or
 * the config do not suit it (too many steps, Euler with prediction_type 'sample', ...).
 */
export function createScheduler(
  kind: SchedulerKind,
  config: SchedulerConfig,
  steps: number,
): Scheduler {
  const most = Math.min(MAX_DENOISE_STEPS, config.numTrainTimesteps);
  if (!Number.isInteger(steps) || steps < 1 || steps > most)
    throw new EditorInputError(
      `The number of denoising steps must be a whole number from 1 to ${String(most)}${most < MAX_DENOISE_STEPS ? " (the model's num_train_timesteps)" : ''}, got ${String(steps)}. 20 is a good default.`,
    );
  switch (kind) {
    case 'ddim':
      return createDdim(config, steps);
    case 'euler-ancestral':
      return createEulerAncestral(config, steps);
  }
}

// Which training timesteps the denoising steps visit, per diffusers' `timestep_spacing` (Table 2 of
// Lin et al., "Common Diffusion Noise Schedules and Sample Steps are Flawed"), with numpy's own
// arithmetic and rounding (round half to even), so the numbers equal diffusers' set_timesteps.
import type { TimestepSpacing } from './schedulerConfig';
import { linspace } from './noiseSchedule';

/** The inputs of set_timesteps. */
export interface SpacingInput {
  readonly numTrainTimesteps: number;
  readonly steps: number;
  readonly spacing: TimestepSpacing;
  readonly stepsOffset: number;
}

/**
 * DDIMScheduler.set_timesteps: whole timesteps, from the noisiest down. 'leading' adds
 * steps_offset; 'trailing' subtracts 1 (so it starts at the last training timestep).
 */
export function ddimTimesteps(input: SpacingInput): number[] {
  const { numTrainTimesteps: train, steps, spacing } = input;
  switch (spacing) {
    case 'linspace':
      return Array.from(linspace(0, train - 1, steps), roundHalfEven).reverse();
    case 'leading':
      return leading(input);
    case 'trailing':
      return trailingStarts(train, steps).map((t) => roundHalfEven(t) - 1);
  }
}

/**
 * EulerAncestralDiscreteScheduler.set_timesteps: the same spacings, but as float32 values, and
 * 'linspace' is not rounded (the UNet gets fractional timesteps such as 946.42108).
 */
export function eulerTimesteps(input: SpacingInput): number[] {
  const { numTrainTimesteps: train, steps, spacing } = input;
  switch (spacing) {
    case 'linspace':
      return Array.from(linspace(0, train - 1, steps), Math.fround).reverse();
    case 'leading':
      return leading(input);
    case 'trailing':
      return trailingStarts(train, steps).map((t) => roundHalfEven(t) - 1);
  }
}

/** (arange(steps) * (train // steps))[::-1] + steps_offset: already whole numbers. */
function leading({ numTrainTimesteps, steps, stepsOffset }: SpacingInput): number[] {
  const ratio = Math.floor(numTrainTimesteps / steps);
  return Array.from({ length: steps }, (_, k) => (steps - 1 - k) * ratio + stepsOffset);
}

/**
 * numpy.arange(train, 0, -train / steps), whose values numpy computes as start + i * delta with
 * delta = (start + step) - start. For some (train, steps), 61 of 1000 among them, the float
 * length ceil(train / (train / steps)) is steps + 1 and the extra value rounds to 0, giving
 * diffusers a timestep of -1 and an extra step; we keep the first `steps`, as intended.
 */
function trailingStarts(train: number, steps: number): number[] {
  const delta = train + -(train / steps) - train;
  return Array.from({ length: steps }, (_, i) => train + i * delta);
}

/** numpy.round: to the nearest integer, ties to even. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

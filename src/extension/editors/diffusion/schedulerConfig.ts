// A diffusion model folder's scheduler/scheduler_config.json, read as diffusers reads it: absent
// keys take diffusers' defaults, so a config written for one scheduler class drives another (the
// instruct-pix2pix folder names EulerAncestralDiscreteScheduler; DDIM reads the same file). The
// file comes from a downloaded folder: every field we use is checked and bounded, and keys that
// would change the maths in ways we do not implement (thresholding, zero-terminal-SNR rescaling)
// are refused rather than silently ignored.
import { shown } from '../../../shared/coerce';
import { readRegularText, UnreadableFileError } from '../../files/boundedFiles';
import { EditorInputError } from '../types';
import { alphasCumprod } from './noiseSchedule';

/** How betas are laid out over the training timesteps (diffusers' `beta_schedule`). */
export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
/** How inference timesteps are picked among the training ones (diffusers' `timestep_spacing`). */
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';
/** What the UNet predicts (diffusers' `prediction_type`). */
export type PredictionType = 'epsilon' | 'v_prediction' | 'sample';

/** The fields of scheduler_config.json that the DDIM and Euler ancestral schedulers use. */
export interface SchedulerConfig {
  readonly numTrainTimesteps: number;
  readonly betaStart: number;
  readonly betaEnd: number;
  readonly betaSchedule: BetaSchedule;
  /** Betas given explicitly (one per training timestep), overriding the three fields above. */
  readonly trainedBetas: readonly number[] | null;
  /**
   * null when the file has no `timestep_spacing`: diffusers' default differs per class (DDIM
   * 'leading', Euler ancestral 'linspace'), so each scheduler applies its own.
   */
  readonly timestepSpacing: TimestepSpacing | null;
  readonly stepsOffset: number;
  readonly predictionType: PredictionType;
  /** DDIM only: the last step goes to alphas_cumprod 1 (true) or to alphas_cumprod[0]. */
  readonly setAlphaToOne: boolean;
  /** DDIM only: clamp the predicted clean latents to [-clipSampleRange, clipSampleRange]. */
  readonly clipSample: boolean;
  readonly clipSampleRange: number;
}

/** Largest scheduler_config.json read (a 100,000-entry trained_betas list fits). */
export const SCHEDULER_CONFIG_BYTES = 1024 * 1024;

/** Bounds on the training timesteps: diffusers' models use 1000. */
export const MAX_TRAIN_TIMESTEPS = 100_000;

/**
 * Smallest alphas_cumprod accepted: below it the noise level sqrt((1 - a) / a) passes 1e10 and
 * latents scaled by it lose all precision in float32. Stable Diffusion reaches 0.0047 (sigma
 * 14.6); squaredcos_cap_v2 at 1000 steps about 2.4e-9 (sigma 2e4).
 */
const MIN_ALPHAS_CUMPROD = 1e-20;

const BETA_SCHEDULES: readonly BetaSchedule[] = ['linear', 'scaled_linear', 'squaredcos_cap_v2'];
const SPACINGS: readonly TimestepSpacing[] = ['leading', 'trailing', 'linspace'];
const PREDICTIONS: readonly PredictionType[] = ['epsilon', 'v_prediction', 'sample'];

/**
 * Checks a parsed scheduler_config.json (`file` names it in messages) and fills in diffusers'
 * defaults for absent keys (DDIMScheduler's for clip_sample and set_alpha_to_one; none for
 * timestep_spacing, see SchedulerConfig). Throws EditorInputError naming the field.
 */
export function parseSchedulerConfig(json: unknown, file: string): SchedulerConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new EditorInputError(
      `${file} is not a scheduler config: it holds ${shown(json)}, not a JSON object. Export the model again (optimum-cli export onnx).`,
    );
  const fields = new FieldReader(json as Record<string, unknown>, file);
  const numTrainTimesteps = fields.integer('num_train_timesteps', 1000, 2, MAX_TRAIN_TIMESTEPS);
  const betaStart = fields.number(
    'beta_start',
    0.0001,
    'a number between 0 and 1',
    (v) => v > 0 && v < 1,
  );
  const betaEnd = fields.number(
    'beta_end',
    0.02,
    `a number between beta_start (${String(betaStart)}) and 1`,
    (v) => v > betaStart && v < 1,
  );
  const betaSchedule = fields.choice('beta_schedule', 'linear', BETA_SCHEDULES);
  const trainedBetas = fields.trainedBetas(numTrainTimesteps);
  const timestepSpacing = fields.optionalChoice('timestep_spacing', SPACINGS);
  const stepsOffset = fields.integer('steps_offset', 0, 0, numTrainTimesteps - 1);
  const predictionType = fields.choice('prediction_type', 'epsilon', PREDICTIONS);
  const setAlphaToOne = fields.boolean('set_alpha_to_one', true);
  const clipSample = fields.boolean('clip_sample', true);
  const clipSampleRange = fields.number(
    'clip_sample_range',
    1,
    'a number above 0 and at most 10000',
    (v) => v > 0 && v <= 10_000,
  );
  fields.unsupported(
    'thresholding',
    'dynamic thresholding is meant for pixel-space models and is not implemented',
  );
  fields.unsupported('rescale_betas_zero_snr', 'zero-terminal-SNR rescaling is not implemented');
  const config: SchedulerConfig = {
    numTrainTimesteps,
    betaStart,
    betaEnd,
    betaSchedule,
    trainedBetas,
    timestepSpacing,
    stepsOffset,
    predictionType,
    setAlphaToOne,
    clipSample,
    clipSampleRange,
  };
  const last = alphasCumprod(config).at(-1) ?? 0;
  if (!(last >= MIN_ALPHAS_CUMPROD))
    throw new EditorInputError(
      `${file}: the betas leave alphas_cumprod at ${last.toExponential(2)} at the last of ${String(numTrainTimesteps)} timesteps, below ${MIN_ALPHAS_CUMPROD.toExponential(0)}: no model samples at that noise level. Check beta_start, beta_end, beta_schedule, num_train_timesteps and trained_betas against the model's training config.`,
    );
  return config;
}

/**
 * Reads and checks a scheduler_config.json with the bounded reader (a regular file of at most
 * SCHEDULER_CONFIG_BYTES). Throws EditorInputError saying what is wrong with the file.
 */
export async function readSchedulerConfig(path: string): Promise<SchedulerConfig> {
  let text: string;
  try {
    text = await readRegularText(path, SCHEDULER_CONFIG_BYTES);
  } catch (error) {
    if (error instanceof UnreadableFileError && error.reason === 'missing')
      throw new EditorInputError(
        `The scheduler config ${path} does not exist. A diffusion model folder needs scheduler/scheduler_config.json: export it with optimum-cli export onnx.`,
      );
    throw new EditorInputError(
      `The scheduler config ${path} cannot be read: ${error instanceof Error ? error.message : String(error)}. Give the scheduler_config.json of an exported model.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new EditorInputError(
      `The scheduler config ${path} is not valid JSON (${(error as Error).message}). Export the model again.`,
    );
  }
  return parseSchedulerConfig(json, path);
}

/** Reads one field after another, each absent (or null) meaning diffusers' default. */
class FieldReader {
  constructor(
    private readonly json: Readonly<Record<string, unknown>>,
    private readonly file: string,
  ) {}

  private value(key: string): unknown {
    return Object.hasOwn(this.json, key) ? this.json[key] : undefined;
  }

  /** `got` is already quoted short (see shown: JSON.stringify overflows on deep nesting). */
  private refuse(key: string, what: string, got: string): never {
    throw new EditorInputError(
      `${this.file}: "${key}" must be ${what}, got ${got}. Fix the file or export the model again.`,
    );
  }

  number(key: string, fallback: number, what: string, ok: (v: number) => boolean): number {
    const v = this.value(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) this.refuse(key, what, shown(v));
    return v;
  }

  integer(key: string, fallback: number, min: number, max: number): number {
    return this.number(
      key,
      fallback,
      `a whole number from ${String(min)} to ${String(max)}`,
      (v) => Number.isInteger(v) && v >= min && v <= max,
    );
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.value(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') this.refuse(key, 'true or false', shown(v));
    return v;
  }

  optionalChoice<T extends string>(key: string, allowed: readonly T[]): T | null {
    const v = this.value(key);
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
      this.refuse(key, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`, shown(v));
    return v as T;
  }

  choice<T extends string>(key: string, fallback: T, allowed: readonly T[]): T {
    return this.optionalChoice(key, allowed) ?? fallback;
  }

  trainedBetas(count: number): number[] | null {
    const v = this.value('trained_betas');
    if (v === undefined || v === null) return null;
    const what = `null or a list of ${String(count)} numbers (num_train_timesteps) each between 0 and 1`;
    if (!Array.isArray(v) || v.length !== count)
      this.refuse(
        'trained_betas',
        what,
        Array.isArray(v) ? `a list of ${String(v.length)}` : shown(v),
      );
    const betas: number[] = [];
    for (const [k, beta] of (v as unknown[]).entries()) {
      if (typeof beta !== 'number' || !(beta > 0 && beta < 1))
        this.refuse('trained_betas', what, `${shown(beta)} at index ${String(k)}`);
      betas.push(beta);
    }
    return betas;
  }

  /** A boolean key whose true we do not implement: false or absent passes. */
  unsupported(key: string, why: string): void {
    if (this.boolean(key, false))
      throw new EditorInputError(
        `${this.file}: "${key}" is true, but ${why} here. Set it to false (or use a model exported without it).`,
      );
  }
}

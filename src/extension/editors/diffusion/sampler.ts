// The InstructPix2Pix sweep: one source, one instruction, many text-guidance strengths, denoised
// together. As diffusers' StableDiffusionInstructPix2PixPipeline does for one strength (prompt
// embeddings [text, empty, empty], image latents [img, img, 0], eps = e_empty + gT (e_text - e_img)
// + gI (e_img - e_empty)), but:
// - guidance is never switched off (diffusers does at gT <= 1), so gT = 0 is the reconstruction;
// - the conditioning is computed once per path, and every strength starts from the same noise
//   (common random numbers), so the first denoising step is the same for all: 3 evaluations, not 3N;
// - a branch whose coefficient is 0 is not evaluated (gI = 1 needs no unconditional branch, gT = 0
//   no text branch): the formula is a sum of coefficient x branch, and those terms are exactly 0;
// - the branches of many strengths go through the UNet together, up to `maxBatch` images a call.
// Pure over `DiffusionModels`, so the arithmetic is tested with plain functions for networks.
import type { Scheduler } from './scheduler';

/** The four networks, as the sampler calls them (ONNX sessions in the product). */
export interface DiffusionModels {
  /** Hidden states of each row of token ids: [rows, sequence, width], row after row. */
  encodeText(ids: readonly Int32Array[]): Promise<Float32Array>;
  /**
   * The VAE encoder's mean (unscaled) of one NCHW image in [-1, 1]: [1, 4, height/8, width/8].
   * `seed` seeds the draw of an encoder that samples its latents (an older export).
   */
  encodeImage(
    pixels: Float32Array,
    height: number,
    width: number,
    seed?: number,
  ): Promise<Float32Array>;
  /** The UNet's noise prediction for `batch` items: sample [b, 8, h, w] -> [b, 4, h, w]. */
  denoise(
    sample: Float32Array,
    timestep: number,
    hidden: Float32Array,
    batch: number,
    latentHeight: number,
    latentWidth: number,
  ): Promise<Float32Array>;
  /** Images [b, 3, 8h, 8w] (about [-1, 1]) of latents already divided by the scaling factor. */
  decode(
    latents: Float32Array,
    batch: number,
    latentHeight: number,
    latentWidth: number,
  ): Promise<Float32Array>;
}

/** What the sampler needs of a scheduler (schedulers.ts makes them from scheduler_config.json). */
export type StepScheduler = Omit<Scheduler, 'kind'>;

/** One sweep. */
export interface SweepRequest {
  /** The text guidance gT of each strength, in the order the images are wanted. */
  readonly guidances: readonly number[];
  /** The image guidance gI, fixed along the path. */
  readonly imageGuidance: number;
  readonly scheduler: StepScheduler;
  /** Token ids of the instruction and of the empty prompt. */
  readonly textIds: Int32Array;
  readonly emptyIds: Int32Array;
  /** The source at the working size, NCHW [1, 3, height, width], scaled to [-1, 1]. */
  readonly source: Float32Array;
  readonly height: number;
  readonly width: number;
  /** Unit Gaussian initial latents [1, 4, height/8, width/8], the same for every strength. */
  readonly initialNoise: Float32Array;
  /** Unit Gaussian noise of denoising step i (stochastic schedulers), shared by every strength. */
  readonly stepNoise: (i: number) => Float32Array;
  readonly scalingFactor: number;
  /** The seed of an encoder that samples the image latents (see DiffusionModels.encodeImage). */
  readonly imageSeed?: number | undefined;
  /** Images per UNet call at most (the memory budget, or the model's fixed batch). */
  readonly maxBatch: number;
  readonly signal?: AbortSignal | undefined;
  /** After each denoising step (done of total) and once the images are decoded. */
  readonly onStep?: ((done: number, total: number) => void) | undefined;
}

/** The edited images and what they cost. */
export interface SweepResult {
  /** RGB bytes, height x width x 3, one per guidance, in request order. */
  readonly images: readonly Uint8Array[];
  /** UNet runs, and the images they evaluated (a batch of k counts k). */
  readonly unetCalls: number;
  readonly imageEvaluations: number;
  /** Milliseconds per phase: text, image, unet (the network alone), denoise (all of it), decode. */
  readonly phaseMs: Readonly<Record<'text' | 'image' | 'unet' | 'denoise' | 'decode', number>>;
}

/** The three UNet branches: instruction + image, empty prompt + image, empty prompt alone. */
export const BRANCHES = ['text', 'image', 'empty'] as const;

/** A branch of the guidance formula. */
export type Branch = (typeof BRANCHES)[number];

/**
 * The weight of each branch in eps = e_empty + gT (e_text - e_img) + gI (e_img - e_empty), written
 * as gT e_text + (gI - gT) e_img + (1 - gI) e_empty (the weights sum to 1).
 */
export function branchWeights(gT: number, gI: number): Readonly<Record<Branch, number>> {
  return { text: gT, image: gI - gT, empty: 1 - gI };
}

/** Runs the sweep; images in the order of `guidances`. Cancelled between UNet calls. */
export async function sweep(models: DiffusionModels, request: SweepRequest): Promise<SweepResult> {
  const { height, width, scheduler, signal } = request;
  checkRequest(request);
  const h = height / 8;
  const w = width / 8;
  const plane = 4 * h * w;
  const phaseMs = { text: 0, image: 0, unet: 0, denoise: 0, decode: 0 };
  let started = performance.now();

  const hiddenRows = await models.encodeText([request.textIds, request.emptyIds]);
  const hiddenSize = hiddenRows.length / 2;
  const hidden: Record<Branch, Float32Array> = {
    text: hiddenRows.subarray(0, hiddenSize),
    image: hiddenRows.subarray(hiddenSize),
    empty: hiddenRows.subarray(hiddenSize),
  };
  phaseMs.text = lap();
  signal?.throwIfAborted();
  const imageLatents = await models.encodeImage(request.source, height, width, request.imageSeed);
  if (imageLatents.length !== plane) {
    throw new Error(`The VAE encoder gave ${imageLatents.length} values for ${plane} latents.`);
  }
  const condition: Record<Branch, Float32Array> = {
    text: imageLatents,
    image: imageLatents,
    empty: new Float32Array(plane),
  };
  phaseMs.image = lap();

  const weights = request.guidances.map((gT) => branchWeights(gT, request.imageGuidance));
  const start = new Float32Array(plane);
  for (let j = 0; j < plane; j++) {
    start[j] = (request.initialNoise[j] ?? 0) * scheduler.initNoiseSigma;
  }
  // Every strength starts from the same latents; they part after the first step.
  const latents = request.guidances.map(() => start);
  const eps = new Float32Array(plane);
  let unetCalls = 0;
  let imageEvaluations = 0;
  const steps = scheduler.timesteps.length;
  for (let i = 0; i < steps; i++) {
    const timestep = scheduler.timesteps[i] ?? 0;
    const scale = scheduler.inputScale(i);
    // Strengths whose latents are the same array share their branch evaluations.
    const groups = groupByLatents(latents);
    const work: { group: number; branch: Branch }[] = [];
    groups.forEach((members, group) => {
      for (const branch of BRANCHES) {
        if (members.some((k) => weights[k]?.[branch] !== 0)) work.push({ group, branch });
      }
    });
    const outputs = new Map<string, Float32Array>();
    for (let at = 0; at < work.length; at += request.maxBatch) {
      signal?.throwIfAborted();
      const chunk = work.slice(at, at + request.maxBatch);
      const sample = new Float32Array(chunk.length * 2 * plane);
      const states = new Float32Array(chunk.length * hiddenSize);
      chunk.forEach(({ group, branch }, b) => {
        const members = groups[group] ?? [];
        const x = latents[members[0] ?? 0] ?? start;
        const item = sample.subarray(b * 2 * plane, (b + 1) * 2 * plane);
        for (let j = 0; j < plane; j++) item[j] = (x[j] ?? 0) * scale;
        item.set(condition[branch], plane);
        states.set(hidden[branch], b * hiddenSize);
      });
      const before = performance.now();
      const predicted = await models.denoise(sample, timestep, states, chunk.length, h, w);
      phaseMs.unet += performance.now() - before;
      if (predicted.length !== chunk.length * plane) {
        throw new Error(`The UNet gave ${predicted.length} values for ${chunk.length * plane}.`);
      }
      unetCalls++;
      imageEvaluations += chunk.length;
      chunk.forEach(({ group, branch }, b) => {
        outputs.set(`${group}:${branch}`, predicted.subarray(b * plane, (b + 1) * plane));
      });
    }
    const noise = scheduler.stochastic ? request.stepNoise(i) : undefined;
    groups.forEach((members, group) => {
      for (const k of members) {
        const weight = weights[k];
        const x = latents[k];
        if (weight === undefined || x === undefined) continue;
        eps.fill(0);
        for (const branch of BRANCHES) {
          const c = weight[branch];
          if (c === 0) continue;
          const e = outputs.get(`${group}:${branch}`);
          if (e === undefined) throw new Error(`branch ${branch} of group ${group} is missing`);
          for (let j = 0; j < plane; j++) eps[j] = (eps[j] ?? 0) + c * (e[j] ?? 0);
        }
        const next = new Float32Array(plane);
        scheduler.step(i, eps, x, next, noise);
        latents[k] = next;
      }
    });
    request.onStep?.(i + 1, steps);
  }
  phaseMs.denoise = lap();

  const images: Uint8Array[] = [];
  const decodeBatch = Math.max(1, Math.floor(request.maxBatch / 3));
  for (let at = 0; at < latents.length; at += decodeBatch) {
    signal?.throwIfAborted();
    const chunk = latents.slice(at, at + decodeBatch);
    const scaled = new Float32Array(chunk.length * plane);
    chunk.forEach((x, b) => {
      for (let j = 0; j < plane; j++) scaled[b * plane + j] = (x[j] ?? 0) / request.scalingFactor;
    });
    const pixels = await models.decode(scaled, chunk.length, h, w);
    const size = 3 * height * width;
    if (pixels.length !== chunk.length * size) {
      throw new Error(`The VAE decoder gave ${pixels.length} values for ${chunk.length * size}.`);
    }
    for (let b = 0; b < chunk.length; b++) {
      images.push(toRgbBytes(pixels.subarray(b * size, (b + 1) * size), height, width));
    }
  }
  phaseMs.decode = lap();
  return { images, unetCalls, imageEvaluations, phaseMs: round(phaseMs) };

  function lap(): number {
    const now = performance.now();
    const ms = now - started;
    started = now;
    return ms;
  }
}

/** Indices of strengths grouped by the latents array they hold (all one group at the start). */
function groupByLatents(latents: readonly Float32Array[]): number[][] {
  const groups = new Map<Float32Array, number[]>();
  latents.forEach((x, k) => {
    const members = groups.get(x);
    if (members === undefined) groups.set(x, [k]);
    else members.push(k);
  });
  return [...groups.values()];
}

/** NCHW floats about [-1, 1] to HWC bytes: clamp, (x + 1) / 2 * 255, round (as diffusers). */
export function toRgbBytes(pixels: Float32Array, height: number, width: number): Uint8Array {
  const area = height * width;
  const out = new Uint8Array(area * 3);
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < area; p++) {
      const v = pixels[c * area + p] ?? 0;
      const clamped = v < -1 ? -1 : v > 1 ? 1 : v; // NaN stays NaN and is caught below
      if (Number.isNaN(clamped)) {
        throw new Error('The VAE decoder produced NaN; the editor model is broken.');
      }
      out[p * 3 + c] = Math.round(((clamped + 1) / 2) * 255);
    }
  }
  return out;
}

/** HWC bytes to NCHW floats in [-1, 1], as the VAE encoder takes them. */
export function toModelPixels(rgb: Uint8Array, height: number, width: number): Float32Array {
  const area = height * width;
  const out = new Float32Array(area * 3);
  for (let p = 0; p < area; p++) {
    for (let c = 0; c < 3; c++) out[c * area + p] = ((rgb[p * 3 + c] ?? 0) / 255) * 2 - 1;
  }
  return out;
}

function checkRequest(request: SweepRequest): void {
  const { height, width } = request;
  if (!(Number.isInteger(height / 8) && Number.isInteger(width / 8) && height > 0 && width > 0)) {
    throw new RangeError(`The working size ${width}x${height} must be positive multiples of 8.`);
  }
  const plane = 4 * (height / 8) * (width / 8);
  if (request.initialNoise.length !== plane) {
    throw new RangeError(
      `The initial noise has ${request.initialNoise.length} values for ${plane}.`,
    );
  }
  if (request.source.length !== 3 * height * width) {
    throw new RangeError(
      `The source has ${request.source.length} values for ${3 * height * width}.`,
    );
  }
  if (!(Number.isInteger(request.maxBatch) && request.maxBatch >= 1)) {
    throw new RangeError(`maxBatch must be a whole number >= 1, got ${request.maxBatch}.`);
  }
  if (request.guidances.length === 0 || !request.guidances.every(Number.isFinite)) {
    throw new RangeError('The sweep needs at least one finite guidance.');
  }
}

function round<T extends Record<string, number>>(ms: T): T {
  return Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, Math.round(v * 10) / 10])) as T;
}

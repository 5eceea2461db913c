// A CLIP export's preprocessor_config.json (transformers' CLIPImageProcessor) and the pixels it
// describes: resize the shortest edge (bicubic), centre-crop, rescale by 1/255, normalise with the
// model's mean and std. The config is someone else's file: every field is checked and bounded,
// each refusal names the file and the field. The sizes and the crop are pure functions (unit
// tested against transformers' arithmetic); only the resize itself runs in sharp.
import { createHash } from 'node:crypto';
import { join } from 'node:path';

import { shown } from '../../shared/coerce';
import { formatSize } from '../../shared/format';
import { LIMITS } from '../../shared/limits';
import { readRegularFile, UnreadableFileError } from '../files/boundedFiles';
import type { RgbImage } from '../images/image';
import { loadSharp } from '../natives/natives';
import type { Normalisation } from './pixels';
import { ModelInputError } from './types';

/** The file name optimum and transformers write. */
const PREPROCESSOR_FILE = 'preprocessor_config.json';

/** Largest preprocessor_config.json read (CLIP's has under 1 KB). */
const CONFIG_BYTES = 1024 * 1024;

/** OpenAI CLIP's statistics, CLIPImageProcessor's defaults when the file names none. */
export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
/** OpenAI CLIP's standard deviations. */
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

/**
 * sharp's kernel for each PIL resample code transformers writes. PIL's BICUBIC is the Keys cubic
 * with a = -0.5, which is Catmull-Rom, sharp's 'cubic'; both widen the kernel when reducing
 * (antialiasing). Box (4) and Hamming (5) have no sharp kernel.
 */
const KERNELS = { 0: 'nearest', 1: 'lanczos3', 2: 'linear', 3: 'cubic' } as const;

/** A sharp kernel CLIP preprocessing may use. */
export type ClipKernel = (typeof KERNELS)[keyof typeof KERNELS];

/** How a CLIP model wants its pixels. */
export interface ClipPreprocess {
  /** The shortest edge resized to a length, or the image resized to exactly height x width; null: no resize. */
  readonly resize:
    { readonly shortestEdge: number } | { readonly height: number; readonly width: number } | null;
  /** The centre crop; null: none (the tensor has the resized size). */
  readonly crop: { readonly height: number; readonly width: number } | null;
  readonly kernel: ClipKernel;
  /** Pixel p becomes (p * rescale - mean[c]) / std[c], as the range [0, 255 * rescale] says. */
  readonly normalisation: Normalisation;
  /** image_processor_type (or feature_extractor_type), when the file names one. */
  readonly processorType: string | null;
}

const EXPORT_HINT =
  'Export the model with optimum-cli export onnx --model openai/clip-vit-base-patch32 --task zero-shot-image-classification DIR, which writes it.';

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A side length: a whole number from 1 to LIMITS.inputSide. */
function isSide(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= LIMITS.inputSide;
}

/**
 * The preprocessing a preprocessor_config.json describes, with CLIPImageProcessor's defaults for
 * absent fields (resize and crop on, bicubic, rescale 1/255, OpenAI CLIP's mean and std). `size`
 * is {shortest_edge}, {height, width} or a number (the shortest edge); `crop_size` {height, width}
 * or a number (a square). Throws ModelInputError naming `path` and the field for anything else.
 */
export function parseClipPreprocessor(value: unknown, path: string): ClipPreprocess {
  if (!isRecord(value)) {
    throw new ModelInputError(`${path} must be a JSON object. ${EXPORT_HINT}`);
  }
  const config = value;
  // shown: a value nested too deep for JSON.stringify, or a long one, is quoted short.
  const bad = (field: string, what: string): ModelInputError =>
    new ModelInputError(`${path}: ${field} is ${shown(config[field])}; ${what}. ${EXPORT_HINT}`);
  const flag = (field: string): boolean => {
    const v = config[field];
    if (v === undefined || v === null) return true;
    if (typeof v !== 'boolean') throw bad(field, 'it must be true or false');
    return v;
  };
  const sideText = `a whole number of pixels from 1 to ${LIMITS.inputSide}`;
  let resize: ClipPreprocess['resize'] = null;
  if (flag('do_resize')) {
    const size = config.size ?? 224;
    if (isSide(size)) resize = { shortestEdge: size };
    else if (isRecord(size) && isSide(size.shortest_edge))
      resize = { shortestEdge: size.shortest_edge };
    else if (isRecord(size) && isSide(size.height) && isSide(size.width))
      resize = { height: size.height, width: size.width };
    else
      throw bad(
        'size',
        `it must be {"shortest_edge": N} or {"height": H, "width": W}, each ${sideText}`,
      );
  }
  let crop: ClipPreprocess['crop'] = null;
  if (flag('do_center_crop')) {
    const size = config.crop_size ?? 224;
    if (isSide(size)) crop = { height: size, width: size };
    else if (isRecord(size) && isSide(size.height) && isSide(size.width))
      crop = { height: size.height, width: size.width };
    else throw bad('crop_size', `it must be {"height": H, "width": W} or N, each ${sideText}`);
  }
  const resample = config.resample ?? 3;
  // A number, and an own key: KERNELS["toString"] is a function, which sharp refuses at the first
  // image, and PIL refuses the string "3".
  const kernel =
    typeof resample === 'number' && Object.hasOwn(KERNELS, resample)
      ? KERNELS[resample as keyof typeof KERNELS]
      : undefined;
  if (kernel === undefined) {
    throw bad(
      'resample',
      'propsweep resizes with 0 (nearest), 1 (lanczos), 2 (bilinear) or 3 (bicubic, what CLIP uses)',
    );
  }
  let rescale = 1;
  if (flag('do_rescale')) {
    const factor = config.rescale_factor ?? 1 / 255;
    if (typeof factor !== 'number' || !Number.isFinite(factor) || factor <= 0 || factor > 1)
      throw bad('rescale_factor', 'it must be a number above 0 and at most 1 (CLIP uses 1/255)');
    rescale = factor;
  }
  const triple = (field: string, fallback: readonly number[], positive: boolean): number[] => {
    const v = config[field] ?? fallback;
    const values = typeof v === 'number' ? [v, v, v] : v;
    const ok =
      Array.isArray(values) &&
      values.length === 3 &&
      values.every(
        (x) =>
          typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0) && Math.abs(x) <= 1e6,
      );
    if (!ok)
      throw bad(field, `it must be 3 finite numbers, R, G, B${positive ? ', each above 0' : ''}`);
    return values as number[];
  };
  const normalise = flag('do_normalize');
  const mean = normalise ? triple('image_mean', CLIP_MEAN, false) : [0, 0, 0];
  const std = normalise ? triple('image_std', CLIP_STD, true) : [1, 1, 1];
  const type = config.image_processor_type ?? config.feature_extractor_type;
  return {
    resize,
    crop,
    kernel,
    normalisation: {
      range: [0, 255 * rescale],
      mean: [mean[0] ?? 0, mean[1] ?? 0, mean[2] ?? 0],
      std: [std[0] ?? 1, std[1] ?? 1, std[2] ?? 1],
    },
    processorType: typeof type === 'string' ? type : null,
  };
}

/** The folder's preprocessor_config.json, read bounded and parsed; refused with the export command. */
export async function readClipPreprocessor(
  folder: string,
): Promise<{ config: ClipPreprocess; path: string; sha256: string }> {
  const path = join(folder, PREPROCESSOR_FILE);
  let bytes: Buffer;
  try {
    // Read once: parsed here, and its digest recorded with the result.
    bytes = await readRegularFile(path, CONFIG_BYTES);
  } catch (error) {
    if (!(error instanceof UnreadableFileError)) throw error;
    throw new ModelInputError(
      error.reason === 'missing'
        ? `${folder} has no ${PREPROCESSOR_FILE}, which says how CLIP resizes and normalises images. ${EXPORT_HINT}`
        : `${path} cannot be read: ${error.message}. ${EXPORT_HINT}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new ModelInputError(
      `${path} is not valid JSON (${(error as Error).message}). ${EXPORT_HINT}`,
    );
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { config: parseClipPreprocessor(json, path), path, sha256 };
}

/**
 * [width, height] after the resize, as transformers computes it: the shortest edge to its length
 * and the other edge to floor(length * long / short) (Python's int()), or the exact size.
 */
export function resizedSize(
  width: number,
  height: number,
  resize: ClipPreprocess['resize'],
): [number, number] {
  if (resize === null) return [width, height];
  if (!('shortestEdge' in resize)) return [resize.width, resize.height];
  const edge = resize.shortestEdge;
  if (width <= height) return [edge, Math.max(1, Math.floor((edge * height) / width))];
  return [Math.max(1, Math.floor((edge * width) / height)), edge];
}

/** [width, height] of the tensor an image of this size becomes. */
export function tensorSize(
  width: number,
  height: number,
  config: Pick<ClipPreprocess, 'resize' | 'crop'>,
): [number, number] {
  if (config.crop !== null) return [config.crop.width, config.crop.height];
  return resizedSize(width, height, config.resize);
}

/** A run of the image model: images start..start + count, fed as a batch of `size`. */
export interface ImageRun {
  readonly start: number;
  readonly count: number;
  /** The tensor's batch: `count`, or the model's fixed batch (the last image repeated). */
  readonly size: number;
}

/**
 * How images are split into runs: consecutive images that become tensors of the same size (all of
 * them when the config crops), in runs of at most `batchSize` and of what LIMITS.batchBytes
 * allows; exactly the fixed batch when the model fixes one, refused when that batch alone would
 * pass LIMITS.batchBytes.
 */
export function planImageRuns(
  images: readonly { readonly width: number; readonly height: number }[],
  config: Pick<ClipPreprocess, 'resize' | 'crop'>,
  fixedBatch: number | null,
  batchSize: number,
  modelPath: string,
): ImageRun[] {
  const runs: ImageRun[] = [];
  let start = 0;
  while (start < images.length) {
    const first = images[start];
    if (first === undefined) break;
    const [w, h] = tensorSize(first.width, first.height, config);
    const imageBytes = 3 * w * h * 4;
    if (fixedBatch !== null && fixedBatch * imageBytes > LIMITS.batchBytes) {
      throw new ModelInputError(
        `${modelPath} fixes its image batch at ${fixedBatch}: one run of ${w}x${h} images would take ${formatSize(fixedBatch * imageBytes)}, more than the limit of ${formatSize(LIMITS.batchBytes)}. Export it with a dynamic batch axis, or a batch of 1.`,
      );
    }
    const step =
      fixedBatch ?? Math.min(batchSize, Math.max(1, Math.floor(LIMITS.batchBytes / imageBytes)));
    let count = 1;
    while (count < step && start + count < images.length) {
      const next = images[start + count];
      if (next === undefined) break;
      const [nw, nh] = tensorSize(next.width, next.height, config);
      if (nw !== w || nh !== h) break;
      count++;
    }
    runs.push({ start, count, size: fixedBatch ?? count });
    start += count;
  }
  return runs;
}

/**
 * The centre crop of an RGB image, as transformers' center_crop: the window starts at
 * floor((size - crop) / 2) on each axis; where the crop is larger than the image, the outside is
 * black (0, before rescaling and normalising, as transformers pads).
 */
export function centreCrop(
  pixels: Uint8Array,
  width: number,
  height: number,
  cropWidth: number,
  cropHeight: number,
): Uint8Array {
  if (width === cropWidth && height === cropHeight) return pixels;
  const top = Math.floor((height - cropHeight) / 2);
  const left = Math.floor((width - cropWidth) / 2);
  const out = new Uint8Array(cropWidth * cropHeight * 3);
  for (let y = 0; y < cropHeight; y++) {
    const sy = y + top;
    if (sy < 0 || sy >= height) continue;
    const x0 = Math.max(0, -left);
    const x1 = Math.min(cropWidth, width - left);
    if (x1 <= x0) continue;
    const from = (sy * width + x0 + left) * 3;
    out.set(pixels.subarray(from, from + (x1 - x0) * 3), (y * cropWidth + x0) * 3);
  }
  return out;
}

/**
 * One image as CLIP sees it before normalising: resized by sharp with the config's kernel (an
 * image already at size is untouched), then centre-cropped. 8-bit RGB, interleaved.
 */
export async function clipPixels(
  image: RgbImage,
  config: ClipPreprocess,
): Promise<{ pixels: Uint8Array; width: number; height: number }> {
  const [w, h] = resizedSize(image.width, image.height, config.resize);
  let pixels = image.data;
  if (w !== image.width || h !== image.height) {
    const { data, info } = await loadSharp()(image.data, {
      raw: { width: image.width, height: image.height, channels: 3 },
    })
      .resize(w, h, { fit: 'fill', kernel: config.kernel })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.width !== w || info.height !== h || info.channels !== 3) {
      throw new Error(
        `sharp resized ${image.width}x${image.height} to ${info.width}x${info.height}x${info.channels}, expected ${w}x${h}x3`,
      );
    }
    pixels = new Uint8Array(data.buffer, data.byteOffset, data.length);
  }
  if (config.crop === null) return { pixels, width: w, height: h };
  const { width, height } = config.crop;
  return { pixels: centreCrop(pixels, w, h, width, height), width, height };
}

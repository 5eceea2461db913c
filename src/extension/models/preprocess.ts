// Which preprocessing a model gets, and where each choice came from: a flag beats the sidecar,
// the sidecar beats a default. Defaults are derived from the model's input shape where it says
// something (layout, size) and are otherwise the torchvision/ImageNet conventions most exported
// classifiers were trained with; `sources` lets the caller say which defaults it assumed, because
// a silently wrong mean/std still produces confident-looking answers.
import type { RgbImage } from '../images/image';
import { loadSharp } from '../natives/natives';
import { writeImageTensor } from './pixels';
import {
  fieldExample,
  fieldProblem,
  type LoadedSidecar,
  type SidecarField,
  type SidecarFields,
} from './sidecar';
import { ModelInputError, type ConfigSource, type PreprocessConfig } from './types';

/** Preprocessing overrides from the command line or settings; each beats the sidecar. */
export interface PreprocessFlags {
  readonly layout?: PreprocessConfig['layout'] | undefined;
  /** [height, width]; the sidecar calls it inputSize. */
  readonly size?: PreprocessConfig['inputSize'] | undefined;
  readonly resize?: PreprocessConfig['resize'] | undefined;
  readonly range?: PreprocessConfig['range'] | undefined;
  readonly mean?: PreprocessConfig['mean'] | undefined;
  readonly std?: PreprocessConfig['std'] | undefined;
  readonly channelOrder?: PreprocessConfig['channelOrder'] | undefined;
  readonly labels?: readonly string[] | undefined;
  readonly outputKind?: PreprocessConfig['outputKind'] | undefined;
  readonly softmax?: boolean | undefined;
}

/** Where each preprocessing value came from. */
export type ConfigSources = Readonly<Record<keyof PreprocessConfig, ConfigSource>>;

/** A resolved configuration and the source of every field. */
export interface ResolvedPreprocess {
  readonly config: PreprocessConfig;
  readonly sources: ConfigSources;
}

/** The part of the model's input metadata that defaults are derived from. */
export interface InputShape {
  /** Numbers are fixed dimensions, strings symbolic ones (onnxruntime's inputMetadata). */
  readonly shape: readonly (number | string)[];
}

/** ImageNet statistics (torchvision), the default for models without a sidecar. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
/** ImageNet standard deviations (torchvision). */
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;
/** The image size assumed when the model does not fix it (the ImageNet classifiers' size). */
export const DEFAULT_SIZE = 224;

type FlagName = keyof PreprocessFlags;

// The flag that sets each config field (the sidecar field has the config's name).
const FLAG_OF: { readonly [K in keyof PreprocessConfig]: FlagName } = {
  layout: 'layout',
  inputSize: 'size',
  resize: 'resize',
  range: 'range',
  mean: 'mean',
  std: 'std',
  channelOrder: 'channelOrder',
  labels: 'labels',
  outputKind: 'outputKind',
  softmax: 'softmax',
};

/** Layout and size read from the input shape: the 3-channel axis, and fixed spatial dims. */
export function defaultsFromShape(
  shape: readonly (number | string)[],
  layout?: PreprocessConfig['layout'],
): Pick<PreprocessConfig, 'layout' | 'inputSize'> {
  // Channels first when axis 1 says 3 (or nothing rules it out), last when only axis 3 says 3.
  const resolvedLayout = layout ?? (shape[1] !== 3 && shape[3] === 3 ? 'NHWC' : 'NCHW');
  const [hAxis, wAxis] = resolvedLayout === 'NCHW' ? [2, 3] : [1, 2];
  const fixed = (d: number | string | undefined): number =>
    typeof d === 'number' && d > 0 ? d : DEFAULT_SIZE;
  return { layout: resolvedLayout, inputSize: [fixed(shape[hAxis]), fixed(shape[wAxis])] };
}

/** Labels for a model that names none: "class 0" .. "class C-1". */
export function defaultLabels(classes: number): string[] {
  return Array.from({ length: classes }, (_, c) => `class ${c}`);
}

/**
 * The configuration for a model: flags beat the sidecar, the sidecar beats defaults derived from
 * the input shape. Flag values are validated like sidecar values. Throws ModelInputError when
 * the result contradicts itself (a softmax over probabilities).
 */
export function resolvePreprocess(
  sidecar: LoadedSidecar | null,
  flags: PreprocessFlags,
  input: InputShape,
): ResolvedPreprocess {
  checkFlags(flags);
  const fromSidecar: Partial<SidecarFields> = sidecar?.values ?? {};
  const sources: Record<keyof PreprocessConfig, ConfigSource> = {
    layout: 'default',
    inputSize: 'default',
    resize: 'default',
    range: 'default',
    mean: 'default',
    std: 'default',
    channelOrder: 'default',
    labels: 'default',
    outputKind: 'default',
    softmax: 'default',
  };
  const pick = <K extends keyof PreprocessConfig>(
    key: K,
    flag: PreprocessConfig[K] | undefined,
    side: PreprocessConfig[K] | undefined,
  ): PreprocessConfig[K] | undefined => {
    if (flag !== undefined) sources[key] = 'flag';
    else if (side !== undefined) sources[key] = 'sidecar';
    return flag ?? side;
  };
  const layout = pick('layout', flags.layout, fromSidecar.layout);
  const derived = defaultsFromShape(input.shape, layout);
  const outputKind = pick('outputKind', flags.outputKind, fromSidecar.outputKind) ?? 'logits';
  const config: PreprocessConfig = {
    layout: derived.layout,
    inputSize: pick('inputSize', flags.size, fromSidecar.inputSize) ?? derived.inputSize,
    resize: pick('resize', flags.resize, fromSidecar.resize) ?? 'fill',
    range: pick('range', flags.range, fromSidecar.range) ?? [0, 1],
    mean: pick('mean', flags.mean, fromSidecar.mean) ?? IMAGENET_MEAN,
    std: pick('std', flags.std, fromSidecar.std) ?? IMAGENET_STD,
    channelOrder: pick('channelOrder', flags.channelOrder, fromSidecar.channelOrder) ?? 'RGB',
    labels: pick('labels', flags.labels, fromSidecar.labels) ?? null,
    outputKind,
    // Logits become probabilities; probabilities are left alone.
    softmax: pick('softmax', flags.softmax, fromSidecar.softmax) ?? outputKind === 'logits',
  };
  const resolved = { config, sources };
  if (config.outputKind === 'probabilities' && config.softmax) {
    throw new ModelInputError(
      `outputKind "probabilities" (${describeSource(resolved, 'outputKind', sidecar)}) with softmax on (${describeSource(resolved, 'softmax', sidecar)}) would apply a softmax to probabilities and flatten them. Turn softmax off, or set outputKind "logits" if the model outputs logits.`,
    );
  }
  return resolved;
}

function checkFlags(flags: PreprocessFlags): void {
  for (const field of Object.keys(FLAG_OF) as (keyof PreprocessConfig)[]) {
    const flag = FLAG_OF[field];
    const value = flags[flag];
    if (value === undefined) continue;
    const problem = fieldProblem(field satisfies SidecarField, value);
    if (problem !== null) {
      throw new ModelInputError(
        `The preprocessing option ${flag} ${problem} (got ${JSON.stringify(value)}). For example: ${fieldExample(field)}.`,
      );
    }
  }
}

/** Where a field came from, in words: "the sidecar /m/model.json", "the size option", "default". */
export function describeSource(
  resolved: ResolvedPreprocess,
  field: keyof PreprocessConfig,
  sidecar: LoadedSidecar | null,
): string {
  switch (resolved.sources[field]) {
    case 'flag':
      return `the ${FLAG_OF[field]} option`;
    case 'sidecar':
      return `the sidecar ${sidecar?.path ?? ''}`.trimEnd();
    case 'default':
      return 'default';
  }
}

/**
 * The defaults a resolution guessed, one phrase each ("mean [0.485, 0.456, 0.406]"), so the caller
 * can say what it assumed and that a sidecar would pin it down. Defaults the model itself settles
 * are not guesses: a layout with 3 on exactly one candidate axis, a size from fixed dims, the
 * softmax that follows a stated outputKind. Empty when nothing was guessed.
 */
export function assumedDefaults(resolved: ResolvedPreprocess, input: InputShape): string[] {
  const { config, sources } = resolved;
  const { shape } = input;
  const list = (values: readonly number[]): string => `[${values.join(', ')}]`;
  const [hAxis, wAxis] = config.layout === 'NCHW' ? [2, 3] : [1, 2];
  const settled: { readonly [K in keyof PreprocessConfig]?: boolean } = {
    layout: (shape[1] === 3) !== (shape[3] === 3),
    inputSize: typeof shape[hAxis] === 'number' && typeof shape[wAxis] === 'number',
    softmax: sources.outputKind !== 'default',
  };
  const phrases: { readonly [K in keyof PreprocessConfig]: string } = {
    layout: `layout ${config.layout}`,
    inputSize: `inputSize ${list(config.inputSize)}`,
    resize: `resize "${config.resize}"`,
    range: `range ${list(config.range)}`,
    mean: `mean ${list(config.mean)}`,
    std: `std ${list(config.std)}`,
    channelOrder: `channelOrder ${config.channelOrder}`,
    labels: 'labels "class 0", "class 1", ...',
    outputKind: `outputKind "${config.outputKind}"`,
    softmax: `softmax ${config.softmax ? 'on' : 'off'}`,
  };
  return (Object.keys(phrases) as (keyof PreprocessConfig)[])
    .filter((field) => sources[field] === 'default' && settled[field] !== true)
    .map((field) => phrases[field]);
}

/**
 * The model input for a batch of images: each image resized by sharp to `config.inputSize` as
 * `config.resize` says, then normalised into one Float32Array in the model's layout; into the
 * start of `into` when given (a buffer with room for at least the images).
 */
export async function toTensorData(
  images: readonly RgbImage[],
  config: PreprocessConfig,
  into?: Float32Array,
): Promise<Float32Array> {
  const [height, width] = config.inputSize;
  const length = images.length * 3 * height * width;
  if (into !== undefined && into.length < length) {
    throw new RangeError(
      `${images.length} images need ${length} values, the buffer has ${into.length}`,
    );
  }
  const out = into ?? new Float32Array(length);
  // sharp resizes on its own thread pool, so the whole batch is resized concurrently.
  const resized = await Promise.all(images.map((image) => resizeImage(image, config)));
  resized.forEach((pixels, index) => {
    writeImageTensor(pixels, height, width, config, out, index);
  });
  return out;
}

/**
 * One image at the model's size, 8-bit RGB interleaved. The kernel is bilinear with antialiasing
 * (sharp's "linear"), the closest to torchvision's Resize; an image already at size is untouched.
 * Reductions are centred like torchvision's; enlargements (libvips) sit half an output pixel
 * towards the top-left of torchvision's, the same shift for every frame of a path.
 */
export async function resizeImage(image: RgbImage, config: PreprocessConfig): Promise<Uint8Array> {
  const [height, width] = config.inputSize;
  if (image.width === width && image.height === height) return image.data;
  const sharp = loadSharp();
  const { data, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .resize(width, height, {
      fit: config.resize,
      position: 'centre',
      kernel: 'linear',
      background: { r: 0, g: 0, b: 0 },
    })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height || info.channels !== 3) {
    throw new Error(
      `sharp resized ${image.width}x${image.height} to ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x3`,
    );
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

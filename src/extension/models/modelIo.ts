// What a model's inputs and outputs must look like for propsweep, checked against onnxruntime's
// session metadata before anything runs: one rank-4 float image input with 3 channels where the
// layout says, one [batch, C] (or [batch, C, 1, 1]) float output. Pure functions over the
// metadata objects, so every refusal message is unit tested without a session.
import type { InferenceSession } from 'onnxruntime-node';

import { formatSize } from '../../shared/format';
import { LIMITS } from '../../shared/limits';
import { describeSource, type ResolvedPreprocess } from './preprocess';
import type { LoadedSidecar } from './sidecar';
import { ModelInputError } from './types';

/** A dimension as onnxruntime reports it: a number when fixed, a name when symbolic. */
export type Dim = number | string;

/** A tensor input or output the classifier can use. */
export interface TensorIo {
  readonly name: string;
  readonly type: 'float32' | 'float16';
  readonly shape: readonly Dim[];
}

/** The model's image input and score output. */
export interface ModelIo {
  readonly input: TensorIo;
  readonly output: TensorIo;
  /** The batch size the model fixes, or null when the batch axis is symbolic. */
  readonly fixedBatch: number | null;
  /** Scores per image when the output shape fixes it, else null (found by a probe run). */
  readonly classes: number | null;
}

/** One run of the model: images [start, start + count), padded to `size` when the batch is fixed. */
export interface BatchPlan {
  readonly start: number;
  readonly count: number;
  readonly size: number;
}

const NEEDED_INPUT =
  'one float32 or float16 image batch, [batch, 3, height, width] (NCHW) or [batch, height, width, 3] (NHWC)';
const NEEDED_OUTPUT =
  'one float32 or float16 score tensor, [batch, classes] or [batch, classes, 1, 1]';
const EXPORT_HINT =
  'Export it with a single image input and a single logits output, e.g. torch.onnx.export(model, torch.randn(1, 3, 224, 224), "model.onnx", input_names=["image"], output_names=["logits"], dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}}).';

/** A shape as text: [batch, 3, 224, 224]; an unnamed dynamic dimension (reported as '') is "?". */
export function formatShape(shape: readonly Dim[]): string {
  return `[${shape.map((d) => (d === '' ? '?' : d)).join(', ')}]`;
}

function describeValue(m: InferenceSession.ValueMetadata): string {
  return m.isTensor
    ? `"${m.name}" ${m.type} ${formatShape(m.shape)}`
    : `"${m.name}" (not a tensor)`;
}

function isFloat(type: string): type is TensorIo['type'] {
  return type === 'float32' || type === 'float16';
}

/**
 * The image input and score output of a model, from `session.inputMetadata` / `outputMetadata`.
 * Throws ModelInputError saying what the model has and what propsweep needs.
 */
export function describeIo(
  inputs: readonly InferenceSession.ValueMetadata[],
  outputs: readonly InferenceSession.ValueMetadata[],
  modelPath: string,
): ModelIo {
  const input = inputs[0];
  if (inputs.length !== 1 || input === undefined || !input.isTensor) {
    throw new ModelInputError(
      `${modelPath} has ${inputs.length === 1 ? 'the input' : `${inputs.length} inputs`} ${inputs.map(describeValue).join(', ') || '(none)'}; propsweep needs ${NEEDED_INPUT}. ${EXPORT_HINT}`,
    );
  }
  if (input.shape.length !== 4) {
    throw new ModelInputError(
      `${modelPath} takes ${describeValue(input)}, a rank-${input.shape.length} tensor; propsweep needs ${NEEDED_INPUT}. Is it an image classifier? ${EXPORT_HINT}`,
    );
  }
  if (!isFloat(input.type)) {
    throw new ModelInputError(
      `${modelPath} takes ${describeValue(input)}; propsweep feeds float32 or float16 (normalised pixels). Re-export with a float input, or wrap the model so that it casts inside.`,
    );
  }
  const output = outputs[0];
  if (outputs.length !== 1 || output === undefined || !output.isTensor) {
    throw new ModelInputError(
      `${modelPath} has ${outputs.length === 1 ? 'the output' : `${outputs.length} outputs`} ${outputs.map(describeValue).join(', ') || '(none)'}; propsweep needs ${NEEDED_OUTPUT}. ${EXPORT_HINT}`,
    );
  }
  if (!isFloat(output.type) || !plausibleOutputShape(output.shape)) {
    throw new ModelInputError(
      `${modelPath} outputs ${describeValue(output)}; propsweep needs ${NEEDED_OUTPUT}. ${EXPORT_HINT}`,
    );
  }
  const batch = input.shape[0];
  const classes = output.shape[1];
  return {
    input: { name: input.name, type: input.type, shape: input.shape },
    output: { name: output.name, type: output.type, shape: output.shape },
    fixedBatch: typeof batch === 'number' && batch > 0 ? batch : null,
    classes: typeof classes === 'number' && classes > 0 ? classes : null,
  };
}

// [batch, C] or [batch, C, 1, 1]; an undeclared shape ([]) is checked on the first run instead.
function plausibleOutputShape(shape: readonly Dim[]): boolean {
  if (shape.length === 0 || shape.length === 2) return true;
  return shape.length === 4 && shape.slice(2).every((d) => d === 1 || typeof d === 'string');
}

/**
 * Checks the resolved preprocessing against the image input: 3 channels on the layout's channel
 * axis, and inputSize equal to any fixed height/width. The message names where the conflicting
 * setting came from and what to write instead.
 */
export function checkImageInput(
  io: ModelIo,
  resolved: ResolvedPreprocess,
  modelPath: string,
  sidecar: LoadedSidecar | null,
): void {
  const { shape, name } = io.input;
  const { layout, inputSize } = resolved.config;
  const [channelAxis, otherAxis, hAxis, wAxis] = layout === 'NCHW' ? [1, 3, 2, 3] : [3, 1, 1, 2];
  const channels = shape[channelAxis];
  if (typeof channels === 'number' && channels !== 3) {
    if (shape[otherAxis] === 3) {
      const other = layout === 'NCHW' ? 'NHWC' : 'NCHW';
      throw new ModelInputError(
        `${modelPath}: layout ${layout} (${describeSource(resolved, 'layout', sidecar)}) puts the colour channels on axis ${channelAxis}, but the input "${name}" is ${formatShape(shape)}, which has 3 on axis ${otherAxis}: the model is ${other}. ${fixText(resolved, 'layout', `"${other}"`, sidecar)}`,
      );
    }
    throw new ModelInputError(
      `${modelPath} takes ${channels}-channel images (input "${name}" ${formatShape(shape)}, layout ${layout}); propsweep feeds RGB, 3 channels. Export a model with a 3-channel input (a grayscale model can be wrapped to average R, G and B first).`,
    );
  }
  const fixedH = shape[hAxis];
  const fixedW = shape[wAxis];
  const [h, w] = inputSize;
  if (
    (typeof fixedH === 'number' && fixedH !== h) ||
    (typeof fixedW === 'number' && fixedW !== w)
  ) {
    const size = `[${String(fixedH)}, ${String(fixedW)}]`;
    throw new ModelInputError(
      `${modelPath} takes ${String(fixedH)}x${String(fixedW)} images (input "${name}" ${formatShape(shape)}, ${layout}), but inputSize is [${h}, ${w}] (${describeSource(resolved, 'inputSize', sidecar)}). ${fixText(resolved, 'inputSize', size, sidecar)}`,
    );
  }
  if (h > LIMITS.inputSide || w > LIMITS.inputSide) {
    const fixed = typeof fixedH === 'number' || typeof fixedW === 'number';
    throw new ModelInputError(
      `${modelPath} would be fed ${h}x${w} images (input "${name}" ${formatShape(shape)}, ${fixed ? 'as the model declares' : `inputSize from ${describeSource(resolved, 'inputSize', sidecar)}`}); propsweep feeds at most ${LIMITS.inputSide} pixels a side, since one such image alone takes ${formatSize(3 * h * w * 4)} as float32. ${fixed ? 'Export the model for a smaller input (a classifier sees a few hundred pixels a side).' : fixText(resolved, 'inputSize', '[224, 224]', sidecar)}`,
    );
  }
}

/**
 * Images per run: the requested batch size, lowered so that one run's input tensor stays within
 * LIMITS.batchBytes; a model whose fixed batch alone exceeds it is refused before it runs.
 */
export function batchSizeFor(
  io: ModelIo,
  config: ResolvedPreprocess['config'],
  requested: number,
  modelPath: string,
): number {
  const [h, w] = config.inputSize;
  const imageBytes = 3 * h * w * 4;
  if (io.fixedBatch !== null) {
    if (io.fixedBatch * imageBytes > LIMITS.batchBytes) {
      throw new ModelInputError(
        `${modelPath} fixes its batch at ${io.fixedBatch} images of ${h}x${w} (input "${io.input.name}" ${formatShape(io.input.shape)}): one run would take ${formatSize(io.fixedBatch * imageBytes)}, more than the limit of ${formatSize(LIMITS.batchBytes)}. Export it with a dynamic batch axis (dynamic_axes={"image": {0: "batch"}}) or a batch of 1.`,
      );
    }
    return io.fixedBatch;
  }
  return Math.max(1, Math.min(requested, Math.floor(LIMITS.batchBytes / imageBytes)));
}

function fixText(
  resolved: ResolvedPreprocess,
  field: 'layout' | 'inputSize' | 'labels',
  value: string,
  sidecar: LoadedSidecar | null,
): string {
  switch (resolved.sources[field]) {
    case 'sidecar':
      return `Write "${field}": ${value} in ${sidecar?.path ?? 'the sidecar'}, or remove the field.`;
    case 'flag':
      return `Set the ${field === 'inputSize' ? 'size' : field} option to ${value}, or leave it out.`;
    case 'default':
      return `Write a sidecar with "${field}": ${value}.`;
  }
}

/** Checks the label count against the number of scores per image. */
export function checkLabels(
  resolved: ResolvedPreprocess,
  classes: number,
  modelPath: string,
  sidecar: LoadedSidecar | null,
): void {
  if (classes > LIMITS.outputs) {
    throw new ModelInputError(
      `${modelPath} outputs ${classes.toLocaleString('en-US')} scores per image; propsweep measures at most ${LIMITS.outputs.toLocaleString('en-US')} (what a saved result may hold). Explain a model with fewer outputs, e.g. a head over the classes of interest.`,
    );
  }
  const labels = resolved.config.labels;
  if (labels !== null && labels.length !== classes) {
    throw new ModelInputError(
      `${modelPath} outputs ${classes} scores per image, but ${labels.length} labels were given (${describeSource(resolved, 'labels', sidecar)}). ${fixText(resolved, 'labels', `${classes} names, in output order`, sidecar)}`,
    );
  }
  // Saved twice per model in every result: long names would make a result too large to open.
  const long = labels?.findIndex((l) => l.length > LIMITS.labelChars) ?? -1;
  if (labels !== null && long >= 0) {
    throw new ModelInputError(
      `${modelPath}: label ${long} has ${labels[long]?.length ?? 0} characters (${describeSource(resolved, 'labels', sidecar)}); class names may have at most ${LIMITS.labelChars}. ${fixText(resolved, 'labels', `short class names, in output order`, sidecar)}`,
    );
  }
  if (classes < 2 && resolved.config.softmax) {
    throw new ModelInputError(
      `${modelPath} outputs one score per image; a softmax over one score is always 1, so nothing could change. Turn softmax off to use the raw score, or export the model with one score per class.`,
    );
  }
}

/** The dims of the tensor fed to the model for a batch of `batch` images. */
export function feedDims(config: ResolvedPreprocess['config'], batch: number): number[] {
  const [h, w] = config.inputSize;
  return config.layout === 'NCHW' ? [batch, 3, h, w] : [batch, h, w, 3];
}

/**
 * Checks a feed against the input metadata right before run(): same rank, same dtype, and every
 * fixed dimension matched. onnxruntime's own error for a mismatch does not say what to change.
 */
export function checkFeed(
  io: ModelIo,
  dims: readonly number[],
  type: string,
  modelPath: string,
): void {
  const { shape } = io.input;
  const mismatch =
    type !== io.input.type ||
    dims.length !== shape.length ||
    shape.some((d, i) => typeof d === 'number' && d !== dims[i]);
  if (mismatch) {
    throw new ModelInputError(
      `propsweep was about to feed ${modelPath} a ${type} tensor ${formatShape(dims)}, but its input "${io.input.name}" is ${io.input.type} ${formatShape(shape)}. Check the layout and inputSize settings against the model.`,
    );
  }
}

/**
 * The number of scores per image in an output tensor of `dims`, checked to be [batch, C] or
 * [batch, C, 1, 1] (and C as expected, when known).
 */
export function outputClasses(
  dims: readonly number[],
  batch: number,
  expected: number | null,
  io: ModelIo,
  modelPath: string,
): number {
  const [rows, classes] = dims;
  const ok =
    rows === batch &&
    classes !== undefined &&
    classes >= 1 &&
    (dims.length === 2 || (dims.length === 4 && dims[2] === 1 && dims[3] === 1)) &&
    (expected === null || classes === expected);
  if (!ok) {
    throw new ModelInputError(
      `${modelPath} returned "${io.output.name}" with shape ${formatShape(dims)} for a batch of ${batch}; propsweep needs [${batch}, ${expected ?? 'classes'}] or [${batch}, ${expected ?? 'classes'}, 1, 1]. ${EXPORT_HINT}`,
    );
  }
  return classes;
}

/**
 * How `count` images are split into runs: batches of `batchSize` when the batch axis is dynamic;
 * chunks of exactly the fixed size otherwise, the last one padded (by the caller) to full size.
 */
export function planBatches(
  count: number,
  fixedBatch: number | null,
  batchSize: number,
): BatchPlan[] {
  const step = fixedBatch ?? batchSize;
  if (!Number.isSafeInteger(step) || step < 1) {
    throw new RangeError(`batch size must be a whole number >= 1, got ${step}`);
  }
  const plans: BatchPlan[] = [];
  for (let start = 0; start < count; start += step) {
    const n = Math.min(step, count - start);
    plans.push({ start, count: n, size: fixedBatch ?? n });
  }
  return plans;
}

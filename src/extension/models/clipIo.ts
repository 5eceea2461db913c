// What a CLIP export's model.onnx must take and give, checked against onnxruntime's session
// metadata before anything runs: `input_ids` and `pixel_values` (and usually `attention_mask`) in,
// `logits_per_image` out, and, for the cheap path, `image_embeds` and `text_embeds`. Pure functions
// over the metadata objects, so every refusal is unit tested without a session.
import type { InferenceSession } from 'onnxruntime-node';

import { formatShape, type Dim } from './modelIo';
import { ModelInputError } from './types';

/** The command that writes a folder propsweep reads. */
export const CLIP_EXPORT_COMMAND =
  'optimum-cli export onnx --model openai/clip-vit-base-patch32 --task zero-shot-image-classification DIR';

/** An integer input's element type. */
export type IdType = 'int32' | 'int64';

/** The model's inputs and outputs, as propsweep feeds and reads them. */
export interface ClipIo {
  readonly ids: IdType;
  /** attention_mask's type, or null when the model takes none. */
  readonly mask: IdType | null;
  readonly pixels: 'float32' | 'float16';
  /** pixel_values' shape: [batch, 3, height, width], numbers where fixed. */
  readonly pixelShape: readonly Dim[];
  /** The image batch the model fixes, or null. */
  readonly fixedImageBatch: number | null;
  /** The token count the model fixes, or null. */
  readonly fixedSequence: number | null;
  /** Whether it outputs image_embeds and text_embeds (else only logits_per_image is used). */
  readonly embeddings: boolean;
}

function describe(m: InferenceSession.ValueMetadata): string {
  return m.isTensor
    ? `"${m.name}" ${m.type} ${formatShape(m.shape)}`
    : `"${m.name}" (not a tensor)`;
}

const isId = (type: string): type is IdType => type === 'int32' || type === 'int64';
const isFloat = (type: string): type is ClipIo['pixels'] =>
  type === 'float32' || type === 'float16';

/**
 * The inputs and outputs of a CLIP export, from `session.inputMetadata` / `outputMetadata`.
 * Throws ModelInputError saying what the model has, what propsweep needs and the export command.
 */
export function describeClipIo(
  inputs: readonly InferenceSession.ValueMetadata[],
  outputs: readonly InferenceSession.ValueMetadata[],
  modelPath: string,
): ClipIo {
  const has = `${modelPath} has the inputs ${inputs.map(describe).join(', ') || '(none)'} and the outputs ${outputs.map(describe).join(', ') || '(none)'}`;
  const refuse = (what: string): ModelInputError =>
    new ModelInputError(
      `${has}; ${what}. Is it a zero-shot-image-classification export? Export one with ${CLIP_EXPORT_COMMAND}.`,
    );
  const tensor = (
    list: readonly InferenceSession.ValueMetadata[],
    name: string,
  ): InferenceSession.TensorValueMetadata | undefined => {
    const m = list.find((v) => v.name === name);
    if (m === undefined) return undefined;
    if (!m.isTensor) throw refuse(`"${name}" must be a tensor`);
    return m;
  };
  const extra = inputs.find(
    (m) => !['input_ids', 'pixel_values', 'attention_mask'].includes(m.name),
  );
  if (extra !== undefined) {
    throw refuse(
      `propsweep feeds only input_ids, pixel_values and attention_mask, not "${extra.name}"`,
    );
  }
  const ids = tensor(inputs, 'input_ids');
  if (ids?.shape.length !== 2 || !isId(ids.type)) {
    throw refuse('propsweep needs "input_ids", int64 or int32 [text_batch_size, sequence_length]');
  }
  const mask = tensor(inputs, 'attention_mask');
  if (mask !== undefined && (mask.shape.length !== 2 || !isId(mask.type))) {
    throw refuse('"attention_mask" must be int64 or int32 [text_batch_size, sequence_length]');
  }
  const pixels = tensor(inputs, 'pixel_values');
  if (
    pixels?.shape.length !== 4 ||
    !isFloat(pixels.type) ||
    (typeof pixels.shape[1] === 'number' && pixels.shape[1] !== 3)
  ) {
    throw refuse(
      'propsweep needs "pixel_values", float32 or float16 [image_batch_size, 3, height, width]',
    );
  }
  if (typeof ids.shape[0] === 'number') {
    throw refuse(
      `its text batch is fixed at ${ids.shape[0]}; propsweep runs several prompts at once and needs a dynamic text batch axis`,
    );
  }
  const logits = tensor(outputs, 'logits_per_image');
  if (logits?.shape.length !== 2 || !isFloat(logits.type)) {
    throw refuse(
      'propsweep needs "logits_per_image", float32 or float16 [image_batch_size, text_batch_size]',
    );
  }
  const image = tensor(outputs, 'image_embeds');
  const text = tensor(outputs, 'text_embeds');
  const embedding = (m: InferenceSession.TensorValueMetadata): boolean =>
    m.shape.length === 2 && isFloat(m.type);
  if ((image !== undefined && !embedding(image)) || (text !== undefined && !embedding(text))) {
    throw refuse('"image_embeds" and "text_embeds" must be float32 or float16 [batch, dimension]');
  }
  const batch = pixels.shape[0];
  const sequence = ids.shape[1];
  return {
    ids: ids.type,
    mask: mask === undefined || !isId(mask.type) ? null : mask.type,
    pixels: pixels.type,
    pixelShape: pixels.shape,
    fixedImageBatch: typeof batch === 'number' && batch > 0 ? batch : null,
    fixedSequence: typeof sequence === 'number' && sequence > 0 ? sequence : null,
    embeddings: image !== undefined && text !== undefined,
  };
}

// A CLIP export's inputs and outputs from onnxruntime's metadata: what is read from them, and the
// refusals, each naming the model, what it has and the export command.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InferenceSession } from 'onnxruntime-node';

import { describeClipIo } from '../../../src/extension/models/clipIo';
import { assertRefuses } from './helpers';

type Meta = InferenceSession.ValueMetadata;
const PATH = '/m/clip/model.onnx';
const t = (name: string, type: string, shape: (number | string)[]): Meta =>
  ({ name, isTensor: true, type, shape }) as Meta;

const IDS = t('input_ids', 'int64', ['text_batch_size', 'sequence_length']);
const MASK = t('attention_mask', 'int64', ['text_batch_size', 'sequence_length']);
const PIXELS = t('pixel_values', 'float32', [
  'image_batch_size',
  'num_channels',
  'height',
  'width',
]);
const LOGITS = t('logits_per_image', 'float32', ['image_batch_size', 'text_batch_size']);
const IMAGE = t('image_embeds', 'float32', ['image_batch_size', 512]);
const TEXT = t('text_embeds', 'float32', ['text_batch_size', 512]);

test("optimum's export: dynamic axes, the embeddings outputs", () => {
  assert.deepEqual(describeClipIo([IDS, PIXELS, MASK], [LOGITS, TEXT, IMAGE], PATH), {
    ids: 'int64',
    mask: 'int64',
    pixels: 'float32',
    pixelShape: PIXELS.isTensor ? PIXELS.shape : [],
    fixedImageBatch: null,
    fixedSequence: null,
    embeddings: true,
  });
});

test('int32 ids without a mask, fixed sizes, only logits', () => {
  const io = describeClipIo(
    [t('input_ids', 'int32', ['n', 77]), t('pixel_values', 'float16', [2, 3, 224, 224])],
    [LOGITS, IMAGE],
    PATH,
  );
  assert.deepEqual(
    [io.ids, io.mask, io.pixels, io.fixedImageBatch, io.fixedSequence, io.embeddings],
    ['int32', null, 'float16', 2, 77, false],
  );
});

test('models that are not CLIP exports are refused', () => {
  const cases: [Meta[], Meta[], RegExp][] = [
    [[PIXELS], [LOGITS], /needs "input_ids"/],
    [[IDS, MASK], [LOGITS], /needs "pixel_values"/],
    [[IDS, t('pixel_values', 'float32', [1, 1, 224, 224])], [LOGITS], /needs "pixel_values"/],
    [[IDS, PIXELS, t('position_ids', 'int64', [1, 77])], [LOGITS], /not "position_ids"/],
    [[IDS, PIXELS], [IMAGE, TEXT], /needs "logits_per_image"/],
    [[t('input_ids', 'int64', [1, 77]), PIXELS], [LOGITS], /text batch is fixed at 1/],
    [[t('input_ids', 'float32', ['n', 's']), PIXELS], [LOGITS], /int64 or int32/],
  ];
  for (const [inputs, outputs, says] of cases) {
    assertRefuses(() => describeClipIo(inputs, outputs, PATH), {
      names: PATH,
      says: [says, /zero-shot-image-classification/],
    });
  }
});

// The model's inputs and outputs against what propsweep feeds and reads, on metadata objects
// shaped like onnxruntime-node 1.30's session.inputMetadata / outputMetadata.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { InferenceSession } from 'onnxruntime-node';

import {
  checkFeed,
  checkImageInput,
  checkLabels,
  describeIo,
  feedDims,
  formatShape,
  outputClasses,
  planBatches,
  type ModelIo,
} from '../../../src/extension/models/modelIo';
import { resolvePreprocess, type PreprocessFlags } from '../../../src/extension/models/preprocess';
import type { LoadedSidecar } from '../../../src/extension/models/sidecar';
import { assertRefuses } from './helpers';

const MODEL = '/m/net.onnx';
const SIDECAR: LoadedSidecar = { path: '/m/net.json', values: { version: 1, layout: 'NHWC' } };

const tensor = (
  name: string,
  type: InferenceSession.TensorValueMetadata['type'],
  shape: (number | string)[],
): InferenceSession.ValueMetadata => ({ name, isTensor: true, type, shape });

const IMAGE = tensor('image', 'float32', ['batch', 3, 8, 8]);
const LOGITS = tensor('logits', 'float32', ['batch', 10]);

const io = (input = IMAGE, output = LOGITS): ModelIo => describeIo([input], [output], MODEL);

describe('describeIo', () => {
  test('finds the image input, the score output, a fixed batch and the class count', () => {
    assert.deepEqual(io(), {
      input: { name: 'image', type: 'float32', shape: ['batch', 3, 8, 8] },
      output: { name: 'logits', type: 'float32', shape: ['batch', 10] },
      fixedBatch: null,
      classes: 10,
    });
    const fixed = io(
      tensor('x', 'float16', [4, 224, 224, 3]),
      tensor('y', 'float16', [4, 5, 1, 1]),
    );
    assert.equal(fixed.fixedBatch, 4);
    assert.equal(fixed.classes, 5);
    // A symbolic class count is learnt on a probe run.
    assert.equal(io(IMAGE, tensor('y', 'float32', ['n', 'classes'])).classes, null);
  });

  test('shapes print with unnamed dynamic dimensions (onnxruntime reports them as "") as ?', () => {
    assert.equal(formatShape(['', 3, 'height', 224]), '[?, 3, height, 224]');
  });

  test('refuses a model with several inputs, listing them', () => {
    assertRefuses(
      () => describeIo([IMAGE, tensor('mask', 'float32', ['batch', 1, 8, 8])], [LOGITS], MODEL),
      {
        names: MODEL,
        says: [
          /has 2 inputs "image" float32 \[batch, 3, 8, 8\], "mask"/,
          /needs one float32 or float16 image batch/,
          /torch\.onnx\.export/,
        ],
      },
    );
  });

  test('refuses a rank-3 input and a non-float input', () => {
    assertRefuses(() => io(tensor('sequence', 'float32', ['batch', 3, 8])), {
      names: MODEL,
      says: [
        /"sequence" float32 \[batch, 3, 8\], a rank-3 tensor/,
        /\[batch, 3, height, width\] \(NCHW\)/,
      ],
    });
    assertRefuses(() => io(tensor('image', 'uint8', ['batch', 3, 8, 8])), {
      names: MODEL,
      says: [/uint8/, /float32 or float16/, /casts inside/],
    });
  });

  test('refuses several outputs and outputs that are not [batch, C] or [batch, C, 1, 1]', () => {
    assertRefuses(
      () => describeIo([IMAGE], [LOGITS, tensor('features', 'float32', ['batch', 512])], MODEL),
      {
        names: MODEL,
        says: [/has 2 outputs "logits"/, /"features"/, /single logits output/],
      },
    );
    assertRefuses(() => io(IMAGE, tensor('map', 'float32', ['batch', 10, 7, 7])), {
      names: MODEL,
      says: [
        /outputs "map" float32 \[batch, 10, 7, 7\]/,
        /\[batch, classes\] or \[batch, classes, 1, 1\]/,
      ],
    });
    assertRefuses(() => io(IMAGE, tensor('ids', 'int64', ['batch', 10])), {
      names: MODEL,
      says: [/int64/],
    });
  });
});

describe('checkImageInput', () => {
  const check = (
    model: ModelIo,
    flags: PreprocessFlags,
    sidecar: LoadedSidecar | null = null,
  ): void => {
    checkImageInput(model, resolvePreprocess(sidecar, flags, model.input), MODEL, sidecar);
  };

  test('accepts a consistent layout and size', () => {
    check(io(), {});
    check(io(tensor('image', 'float32', ['n', 8, 8, 3])), {});
    check(io(tensor('image', 'float32', ['n', 3, 'h', 'w'])), { size: [100, 50] });
  });

  test('a layout that contradicts the model says which layout it is and where to fix it', () => {
    assertRefuses(
      () => {
        check(io(), {}, SIDECAR);
      },
      {
        names: MODEL,
        says: [
          /layout NHWC \(the sidecar \/m\/net\.json\) puts the colour channels on axis 3/,
          /the model is NCHW/,
          /Write "layout": "NCHW" in \/m\/net\.json/,
        ],
      },
    );
    assertRefuses(
      () => {
        check(io(), { layout: 'NHWC' });
      },
      {
        names: MODEL,
        says: [/\(the layout option\)/, /Set the layout option to "NCHW"/],
      },
    );
  });

  test('a model with other than 3 channels is refused', () => {
    assertRefuses(
      () => {
        check(io(tensor('image', 'float32', ['batch', 1, 8, 8])), {});
      },
      {
        names: MODEL,
        says: [/takes 1-channel images/, /propsweep feeds RGB, 3 channels/, /3-channel input/],
      },
    );
  });

  test('an inputSize that contradicts fixed spatial dims is refused', () => {
    assertRefuses(
      () => {
        check(io(), { size: [224, 224] });
      },
      {
        names: MODEL,
        says: [
          /takes 8x8 images/,
          /inputSize is \[224, 224\] \(the size option\)/,
          /Set the size option to \[8, 8\]/,
        ],
      },
    );
  });
});

describe('labels, feeds and outputs', () => {
  test('the label count must match the outputs; one score cannot be softmaxed', () => {
    const resolved = resolvePreprocess(
      null,
      { labels: ['a', 'b', 'c'] },
      { shape: ['n', 3, 8, 8] },
    );
    checkLabels(resolved, 3, MODEL, null);
    assertRefuses(
      () => {
        checkLabels(resolved, 10, MODEL, null);
      },
      {
        names: MODEL,
        says: [/outputs 10 scores per image, but 3 labels were given \(the labels option\)/],
      },
    );
    const single = resolvePreprocess(null, {}, { shape: ['n', 3, 8, 8] });
    assertRefuses(
      () => {
        checkLabels(single, 1, MODEL, null);
      },
      { names: MODEL, says: [/one score per image/, /Turn softmax off/] },
    );
  });

  test('feeds are checked against fixed dims and dtype before run()', () => {
    const fixed = io(tensor('image', 'float32', [4, 3, 8, 8]));
    const config = resolvePreprocess(null, {}, fixed.input).config;
    assert.deepEqual(feedDims(config, 4), [4, 3, 8, 8]);
    checkFeed(fixed, [4, 3, 8, 8], 'float32', MODEL);
    assertRefuses(
      () => {
        checkFeed(fixed, [5, 3, 8, 8], 'float32', MODEL);
      },
      {
        names: MODEL,
        says: [/float32 tensor \[5, 3, 8, 8\], but its input "image" is float32 \[4, 3, 8, 8\]/],
      },
    );
    assertRefuses(
      () => {
        checkFeed(fixed, [4, 3, 8, 8], 'float16', MODEL);
      },
      { names: MODEL, says: [/float16 tensor/] },
    );
    const nhwc = resolvePreprocess(null, {}, { shape: ['n', 6, 8, 3] }).config;
    assert.deepEqual(feedDims(nhwc, 2), [2, 6, 8, 3]);
  });

  test('output dims must be [batch, C] or [batch, C, 1, 1]', () => {
    const model = io();
    assert.equal(outputClasses([2, 10], 2, 10, model, MODEL), 10);
    assert.equal(outputClasses([2, 7, 1, 1], 2, null, model, MODEL), 7);
    for (const dims of [[3, 10], [2, 9], [2, 10, 2, 1], [2]]) {
      assertRefuses(() => outputClasses(dims, 2, 10, model, MODEL), {
        names: MODEL,
        says: [/returned "logits" with shape/],
      });
    }
  });
});

describe('planBatches', () => {
  const sizes = (plans: ReturnType<typeof planBatches>): string =>
    plans.map((p) => `${p.start}+${p.count}/${p.size}`).join(' ');

  test('a fixed batch of 4: chunks of 4, the last padded to 4', () => {
    assert.equal(sizes(planBatches(1, 4, 16)), '0+1/4');
    assert.equal(sizes(planBatches(4, 4, 16)), '0+4/4');
    assert.equal(sizes(planBatches(5, 4, 16)), '0+4/4 4+1/4');
    assert.equal(sizes(planBatches(9, 4, 16)), '0+4/4 4+4/4 8+1/4');
  });

  test('a dynamic batch: batches of batchSize, the last one short', () => {
    assert.equal(sizes(planBatches(5, null, 2)), '0+2/2 2+2/2 4+1/1');
    assert.equal(sizes(planBatches(3, null, 16)), '0+3/3');
    assert.deepEqual(planBatches(0, null, 16), []);
    assert.throws(() => planBatches(3, null, 0), RangeError);
  });
});

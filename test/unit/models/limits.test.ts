// Sizes a model file controls, bounded before anything runs (shared/limits.ts): the input side,
// the memory of one batch, and the number of scores per image.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { InferenceSession } from 'onnxruntime-node';

import {
  batchSizeFor,
  checkImageInput,
  checkLabels,
  describeIo,
} from '../../../src/extension/models/modelIo';
import { resolvePreprocess, type PreprocessFlags } from '../../../src/extension/models/preprocess';
import { LIMITS } from '../../../src/shared/limits';
import { assertRefuses } from './helpers';

const MODEL = '/m/big.onnx';

const tensor = (shape: (number | string)[]): InferenceSession.ValueMetadata => ({
  name: 'image',
  isTensor: true,
  type: 'float32',
  shape,
});
const LOGITS: InferenceSession.ValueMetadata = {
  name: 'logits',
  isTensor: true,
  type: 'float32',
  shape: ['batch', 10],
};

function load(shape: (number | string)[], flags: PreprocessFlags = {}) {
  const io = describeIo([tensor(shape)], [LOGITS], MODEL);
  const resolved = resolvePreprocess(null, flags, io.input);
  checkImageInput(io, resolved, MODEL, null);
  return { io, resolved };
}

describe('model input bounds', () => {
  test('a declared 8192 x 8192 input is refused on load, saying why and what to do', () => {
    assertRefuses(() => load([1, 3, 8192, 8192]), {
      names: MODEL,
      says: [/8192x8192 images/, /as the model declares/, /at most 4096 pixels a side/, /768 MiB/],
    });
    assertRefuses(() => load(['n', 20000, 20000, 3]), {
      names: MODEL,
      says: [/20000x20000/, /Export the model for a smaller input/],
    });
  });

  test('a size option beyond the bound on a dynamic input names the option', () => {
    assertRefuses(() => load(['n', 3, 'h', 'w'], { size: [5000, 224] }), {
      names: MODEL,
      says: [/5000x224/, /the size option/],
    });
    load(['n', 3, 'h', 'w'], { size: [LIMITS.inputSide, LIMITS.inputSide] });
  });

  test('a dynamic batch is split to fit the batch memory; a fixed one that cannot is refused', () => {
    const small = load(['n', 3, 224, 224]);
    assert.equal(batchSizeFor(small.io, small.resolved.config, 16, MODEL), 16);
    // 4096^2 x 3 float32 = 192 MiB: one image per run fits in 256 MiB, two do not.
    const large = load(['n', 3, 4096, 4096]);
    assert.equal(batchSizeFor(large.io, large.resolved.config, 16, MODEL), 1);
    const mid = load(['n', 3, 1024, 1024]);
    assert.equal(batchSizeFor(mid.io, mid.resolved.config, 64, MODEL), 21);
    const fixed = load([64, 3, 1024, 1024]);
    assertRefuses(() => batchSizeFor(fixed.io, fixed.resolved.config, 16, MODEL), {
      names: MODEL,
      says: [/fixes its batch at 64 images of 1024x1024/, /768 MiB/, /dynamic batch axis/],
    });
    const fits = load([4, 3, 224, 224]);
    assert.equal(batchSizeFor(fits.io, fits.resolved.config, 16, MODEL), 4);
  });

  test('more scores per image than a result may hold are refused', () => {
    const { resolved } = load(['n', 3, 8, 8], { softmax: false });
    assertRefuses(
      () => {
        checkLabels(resolved, LIMITS.outputs + 1, MODEL, null);
      },
      {
        names: MODEL,
        says: [/outputs 100,001 scores per image/, /at most 100,000/],
      },
    );
    checkLabels(resolved, LIMITS.outputs, MODEL, null);
  });

  test('class names longer than a result may hold are refused where --labels and sidecar labels meet', () => {
    const labelled = (labels: string[]) =>
      resolvePreprocess(null, { labels }, { shape: ['n', 3, 8, 8] });
    const long = labelled(['cat', 'd'.repeat(LIMITS.labelChars + 1)]);
    assertRefuses(
      () => {
        checkLabels(long, 2, MODEL, null);
      },
      {
        names: MODEL,
        says: [/label 1 has 257 characters \(the labels option\)/, /at most 256/],
      },
    );
    checkLabels(labelled(['a'.repeat(LIMITS.labelChars), 'b']), 2, MODEL, null);
  });
});

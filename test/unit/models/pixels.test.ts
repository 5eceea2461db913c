// Pixels to model input: the normalisation formula, channel order and layout, on numbers worked
// out by hand (and checked with Python where the arithmetic is not obvious).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  BatchBuffers,
  channelTables,
  normalisePixel,
  padBatch,
  padInPlace,
  writeImageTensor,
} from '../../../src/extension/models/pixels';
import type { PreprocessConfig } from '../../../src/extension/models/types';
import { assertNear } from './helpers';

const IMAGENET = {
  range: [0, 1],
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
} as const;
const IDENTITY = { range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1] } as const;

type Layout = Pick<PreprocessConfig, 'layout' | 'range' | 'mean' | 'std' | 'channelOrder'>;

describe('normalisePixel', () => {
  test('ImageNet: ((p / 255) - mean) / std', () => {
    // Python: (1 - 0.485) / 0.229, (0 - 0.485) / 0.229, (0 - 0.406) / 0.225
    assertNear(normalisePixel(255, 0, IMAGENET), 2.2489082969432315, 1e-15, 'white R');
    assertNear(normalisePixel(0, 0, IMAGENET), -2.1179039301310043, 1e-15, 'black R');
    assertNear(normalisePixel(0, 2, IMAGENET), -1.8044444444444445, 1e-15, 'black B');
  });

  test('range [-1, 1] and Caffe-style [0, 255] ranges', () => {
    const tanh = { range: [-1, 1], mean: [0, 0, 0], std: [1, 1, 1] } as const;
    assert.equal(normalisePixel(0, 1, tanh), -1);
    assert.equal(normalisePixel(255, 1, tanh), 1);
    assertNear(normalisePixel(51, 1, tanh), -0.6, 1e-15, '51 / 255 * 2 - 1');
    const caffe = {
      range: [0, 255],
      mean: [123.675, 116.28, 103.53],
      std: [58.395, 57.12, 57.375],
    } as const;
    // Python: (200 - 123.675) / 58.395
    assertNear(normalisePixel(200, 0, caffe), 1.3070468362017296, 1e-13, 'mmcv R');
  });

  test('the lookup tables hold the formula for every byte, per model channel', () => {
    const tables = channelTables({ ...IMAGENET, channelOrder: 'BGR' });
    for (let p = 0; p < 256; p++) {
      // BGR: model channel 0 is blue, normalised with the blue mean/std.
      assert.equal(tables[0][p], Math.fround(normalisePixel(p, 2, IMAGENET)));
      assert.equal(tables[1][p], Math.fround(normalisePixel(p, 1, IMAGENET)));
      assert.equal(tables[2][p], Math.fround(normalisePixel(p, 0, IMAGENET)));
    }
  });
});

describe('writeImageTensor', () => {
  // A 2x1 image: pixel 0 = (10, 20, 30), pixel 1 = (40, 50, 60). Identity scaling: value = p / 255.
  const pixels = Uint8Array.of(10, 20, 30, 40, 50, 60);
  const write = (config: Layout, batch = 1, index = 0): number[] => {
    const out = new Float32Array(batch * 6);
    writeImageTensor(pixels, 1, 2, config, out, index);
    return Array.from(out, (v) => Math.round(v * 255));
  };

  test('NCHW writes channel planes, NHWC interleaved pixels', () => {
    assert.deepEqual(
      write({ ...IDENTITY, layout: 'NCHW', channelOrder: 'RGB' }),
      [10, 40, 20, 50, 30, 60],
    );
    assert.deepEqual(
      write({ ...IDENTITY, layout: 'NHWC', channelOrder: 'RGB' }),
      [10, 20, 30, 40, 50, 60],
    );
  });

  test('BGR swaps red and blue in either layout', () => {
    assert.deepEqual(
      write({ ...IDENTITY, layout: 'NCHW', channelOrder: 'BGR' }),
      [30, 60, 20, 50, 10, 40],
    );
    assert.deepEqual(
      write({ ...IDENTITY, layout: 'NHWC', channelOrder: 'BGR' }),
      [30, 20, 10, 60, 50, 40],
    );
  });

  test('sample `index` lands at its offset in the batch', () => {
    assert.deepEqual(
      write({ ...IDENTITY, layout: 'NCHW', channelOrder: 'RGB' }, 2, 1),
      [0, 0, 0, 0, 0, 0, 10, 40, 20, 50, 30, 60],
    );
  });

  test('per-channel mean/std follow the source channel (R, G, B order) after a BGR swap', () => {
    const out = new Float32Array(3);
    const config = { layout: 'NHWC', channelOrder: 'BGR', ...IMAGENET } as const;
    writeImageTensor(Uint8Array.of(255, 0, 0), 1, 1, config, out, 0);
    // Model channel 0 is blue (0): (0 - 0.406) / 0.225; channel 2 is red (255): (1 - 0.485) / 0.229.
    assertNear(out[0] ?? NaN, -1.8044444444444445, 1e-6, 'blue first');
    assertNear(out[2] ?? NaN, 2.2489082969432315, 1e-6, 'red last');
  });

  test('wrong sizes are refused', () => {
    const config = { ...IDENTITY, layout: 'NCHW', channelOrder: 'RGB' } as const;
    assert.throws(() => {
      writeImageTensor(pixels, 2, 2, config, new Float32Array(12), 0);
    }, RangeError);
    assert.throws(() => {
      writeImageTensor(pixels, 1, 2, config, new Float32Array(6), 1);
    }, RangeError);
  });
});

describe('padBatch', () => {
  test('repeats the last sample up to the fixed batch size', () => {
    const data = Float32Array.of(1, 2, 3, 4); // two samples of two values
    assert.deepEqual(Array.from(padBatch(data, 2, 4)), [1, 2, 3, 4, 3, 4, 3, 4]);
    assert.equal(padBatch(data, 2, 2), data);
    assert.throws(() => padBatch(data, 3, 4), RangeError);
    assert.throws(() => padBatch(data, 2, 1), RangeError);
  });
});

describe('padInPlace', () => {
  test('fills the slots after the written samples with the last one, in the same buffer', () => {
    const slots = Float32Array.of(1, 2, 3, 4, 9, 9, 9, 9); // room for four samples of two values
    assert.equal(padInPlace(slots, 2, 4), slots);
    assert.deepEqual(Array.from(slots), [1, 2, 3, 4, 3, 4, 3, 4]);
    assert.deepEqual(Array.from(padInPlace(Float32Array.of(5, 6), 1, 1)), [5, 6]);
    assert.throws(() => padInPlace(slots, 0, 4), RangeError);
    assert.throws(() => padInPlace(slots, 5, 4), RangeError);
    assert.throws(() => padInPlace(slots, 2, 3), RangeError); // 8 values are not 3 samples
  });
});

describe('BatchBuffers', () => {
  test('gives back a kept buffer of the same length, and a new one otherwise', () => {
    const buffers = new BatchBuffers();
    const a = buffers.take(6);
    a.fill(7);
    buffers.give(a);
    const b = buffers.take(4);
    assert.notEqual(b, a);
    assert.equal(b.length, 4);
    assert.equal(buffers.take(6), a, 'the kept buffer of 6 values');
    assert.notEqual(buffers.take(6), a, 'taken once: not handed out twice');
  });

  test('keeps at most `keep` buffers, dropping the oldest, and each once', () => {
    const buffers = new BatchBuffers(2);
    const [a, b, c] = [buffers.take(3), buffers.take(3), buffers.take(3)];
    buffers.give(a);
    buffers.give(a);
    buffers.give(b);
    buffers.give(c); // a goes
    const taken = [buffers.take(3), buffers.take(3), buffers.take(3)];
    assert.deepEqual(
      taken.map((t) => [a, b, c].indexOf(t)),
      [1, 2, -1],
    );
    buffers.give(b);
    buffers.clear();
    assert.notEqual(buffers.take(3), b);
  });
});

// The pixel pipeline with sharp: each resize mode on images whose channel means after resizing
// can be worked out by hand, and images already at the model's size passed through untouched.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { toTensorData } from '../../../src/extension/models/preprocess';
import type { PreprocessConfig } from '../../../src/extension/models/types';
import { assertNear, painted, solid } from '../../unit/models/helpers';

const CONFIG: PreprocessConfig = {
  layout: 'NCHW',
  inputSize: [8, 8],
  resize: 'fill',
  range: [0, 1],
  mean: [0, 0, 0],
  std: [1, 1, 1],
  channelOrder: 'RGB',
  labels: null,
  outputKind: 'logits',
  softmax: false,
};

// 64x16, red with blue bands in the outer 8 columns on each side: a quarter of the area is blue.
const BANDED = painted(64, 16, (x) => (x < 8 || x >= 56 ? [0, 0, 255] : [255, 0, 0]));

/** Per-channel means of sample `index` of an NCHW 8x8 batch tensor. */
function channelMeans(data: Float32Array, index = 0): number[] {
  const plane = 64;
  return [0, 1, 2].map((c) => {
    const start = (index * 3 + c) * plane;
    return data.subarray(start, start + plane).reduce((a, b) => a + b, 0) / plane;
  });
}

describe('toTensorData', () => {
  test('fill stretches: the blue bands keep their quarter of the area', async () => {
    const [r, g, b] = channelMeans(await toTensorData([BANDED], CONFIG));
    // Bilinear reduction is area-preserving here: 48/64 red, 16/64 blue (8-bit rounding aside).
    assertNear(r ?? NaN, 0.75, 0.005, 'mean R');
    assert.equal(g, 0);
    assertNear(b ?? NaN, 0.25, 0.005, 'mean B');
  });

  test('cover scales to cover (32x8) and crops the centre 8 columns: pure red', async () => {
    const data = await toTensorData([BANDED], { ...CONFIG, resize: 'cover' });
    // Centre crop = scaled columns 12..19 = original columns 24..39, far from the bands.
    assert.ok(data.every((v, i) => v === (i < 64 ? 1 : 0)));
  });

  test('contain scales to fit (8x2) and pads with black: 3 rows above, 3 below', async () => {
    const data = await toTensorData([BANDED], { ...CONFIG, resize: 'contain' });
    const [r, , b] = channelMeans(data);
    // The 8x2 band image covers 2 of 8 rows: R = 0.75 * 2/8 = 0.1875, B = 0.25 * 2/8 = 0.0625.
    assertNear(r ?? NaN, 0.1875, 0.002, 'mean R');
    assertNear(b ?? NaN, 0.0625, 0.002, 'mean B');
    for (const row of [0, 1, 2, 5, 6, 7]) {
      for (let c = 0; c < 3; c++) {
        const start = c * 64 + row * 8;
        assert.ok(
          data.subarray(start, start + 8).every((v) => v === 0),
          `row ${row} is padding`,
        );
      }
    }
  });

  test('an image already at the model size is not resampled', async () => {
    const image = painted(8, 8, (x, y) => [x * 30, y * 30, 7]);
    const data = await toTensorData([image], CONFIG);
    // NCHW: red plane first, value = p / 255 exactly as float32.
    assert.equal(data[0 * 64 + 3 * 8 + 5], Math.fround(150 / 255)); // x = 5 -> red 150
    assert.equal(data[1 * 64 + 3 * 8 + 5], Math.fround(90 / 255)); // y = 3 -> green 90
    assert.equal(data[2 * 64 + 3 * 8 + 5], Math.fround(7 / 255));
  });

  test('a batch of differently sized images keeps each one in its slot', async () => {
    const data = await toTensorData(
      [solid(3, 5, [255, 0, 0]), solid(8, 8, [0, 255, 0]), solid(40, 30, [0, 0, 255])],
      CONFIG,
    );
    assert.equal(data.length, 3 * 192);
    assert.deepEqual(channelMeans(data, 0), [1, 0, 0]);
    assert.deepEqual(channelMeans(data, 1), [0, 1, 0]);
    assert.deepEqual(channelMeans(data, 2), [0, 0, 1]);
  });
});

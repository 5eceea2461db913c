import assert from 'node:assert/strict';
import { test } from 'node:test';

import { downscaleRgb, scaledSize } from '../../../src/extension/images/downscale';

void test('the scaled size keeps the aspect ratio, at least one pixel a side, never enlarged', () => {
  assert.deepEqual(scaledSize(960, 480, 480), { width: 480, height: 240 });
  assert.deepEqual(scaledSize(1000, 10, 480), { width: 480, height: 5 }); // 4.8 rounds to 5
  assert.deepEqual(scaledSize(10_000, 1, 480), { width: 480, height: 1 });
  assert.deepEqual(scaledSize(224, 224, 480), { width: 224, height: 224 });
});

void test('each target pixel is the rounded mean of the source pixels that fall in it', () => {
  // 4 x 2 to 2 x 1: two 2 x 2 blocks. Left block reds 10, 20, 30, 41 (mean 25.25 -> 25), greens
  // 0, 0, 0, 3 (0.75 -> 1), blues 255 x 4; right block reds 1, 2, 3, 4 (2.5 -> 3, half up).
  const data = Uint8Array.from([
    ...[10, 0, 255, 20, 0, 255, 1, 9, 9, 2, 9, 9],
    ...[30, 0, 255, 41, 3, 255, 3, 9, 9, 4, 9, 9],
  ]);
  const small = downscaleRgb({ width: 4, height: 2, data }, 2);
  assert.deepEqual(small, {
    width: 2,
    height: 1,
    data: Uint8Array.from([25, 1, 255, 3, 9, 9]),
  });
  // 3 x 1 to 2 x 1: x = 0 and 1 fall in the first pixel (floor(x * 2 / 3) = 0, 0), x = 2 in the
  // second: a box filter for a non-integer factor.
  const odd = downscaleRgb(
    { width: 3, height: 1, data: Uint8Array.from([0, 0, 0, 100, 50, 1, 7, 7, 7]) },
    2,
  );
  assert.deepEqual(odd, { width: 2, height: 1, data: Uint8Array.from([50, 25, 1, 7, 7, 7]) });
});

void test('a tall image is scaled on its long side', () => {
  const data = new Uint8Array(2 * 8 * 3).fill(60);
  const small = downscaleRgb({ width: 2, height: 8, data }, 4);
  assert.equal(small.width, 1);
  assert.equal(small.height, 4);
  assert.deepEqual(small.data, new Uint8Array(4 * 3).fill(60));
});

void test('an image already small enough is copied into a buffer of its own', () => {
  const pool = new Uint8Array(100).fill(9);
  const data = pool.subarray(10, 22); // a view into a larger buffer, as Node's pooled Buffers are
  const copy = downscaleRgb({ width: 2, height: 2, data }, 480);
  assert.deepEqual(copy, { width: 2, height: 2, data: new Uint8Array(12).fill(9) });
  assert.equal(copy.data.byteOffset, 0);
  assert.equal(copy.data.buffer.byteLength, 12);
  copy.data[0] = 1;
  assert.equal(data[0], 9, 'the source is not changed');
});

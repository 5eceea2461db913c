// Gaussian blur and rotation on images small enough to check by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  borderMean,
  gaussianBlur,
  gaussianKernel,
  rotateBilinear,
} from '../../../src/extension/editors/filters';
import type { RgbImage } from '../../../src/extension/images/image';
import { pixel, randomRgb, rgbFrom, solid } from '../images/builders';

const blur = (image: RgbImage, sigma: number): RgbImage => {
  const data = new Uint8Array(image.data.length);
  gaussianBlur(image, sigma, data);
  return { ...image, data };
};
const rotate = (
  image: RgbImage,
  degrees: number,
  fill: [number, number, number] = [0, 0, 0],
): RgbImage => {
  const data = new Uint8Array(image.data.length);
  rotateBilinear(image, degrees, fill, data);
  return { ...image, data };
};

void test('gaussianKernel: radius ceil(3 sigma), symmetric, sums to 1', () => {
  const k = gaussianKernel(1);
  assert.equal(k.length, 7);
  // exp(-k^2 / 2) for k = 0..3: 1, 0.60653, 0.13534, 0.01111; total 2.50596; centre 1 / 2.50596.
  assert.ok(Math.abs((k[3] ?? 0) - 0.39905) < 1e-5);
  assert.ok(Math.abs((k[4] ?? 0) - 0.242036) < 1e-5);
  assert.ok(Math.abs(k.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  for (let i = 0; i < 3; i++) assert.equal(k[i], k[6 - i]);
  assert.equal(gaussianKernel(2.1).length, 2 * 7 + 1);
  // A tiny sigma is a delta: the path leaves the source continuously.
  assert.deepEqual([...gaussianKernel(0.01)], [0, 1, 0]);
});

void test('blur: an impulse spreads as the product of two kernels', () => {
  const data = new Uint8Array(9 * 9 * 3);
  data.set([255, 255, 255], (4 * 9 + 4) * 3);
  const out = blur({ width: 9, height: 9, data }, 1);
  // Centre: 255 * 0.39905^2 = 40.6 -> 41; side: 255 * 0.39905 * 0.24204 = 24.6 -> 25;
  // diagonal: 255 * 0.24204^2 = 14.9 -> 15; two away: 255 * 0.39905 * 0.05400 = 5.5 -> 5 or 6.
  assert.deepEqual(pixel(out, 4, 4), [41, 41, 41]);
  for (const [x, y] of [
    [3, 4],
    [5, 4],
    [4, 3],
    [4, 5],
  ] as const)
    assert.deepEqual(pixel(out, x, y), [25, 25, 25]);
  for (const [x, y] of [
    [3, 3],
    [5, 5],
    [3, 5],
    [5, 3],
  ] as const)
    assert.deepEqual(pixel(out, x, y), [15, 15, 15]);
  assert.deepEqual(pixel(out, 0, 0), [0, 0, 0]);
});

void test('blur: a constant image stays constant (edges repeat); sigma 0 is a copy', () => {
  const flat = solid(6, 5, [17, 130, 255]);
  assert.deepEqual(blur(flat, 3.3).data, flat.data);
  const random = randomRgb(7, 6, 4);
  assert.deepEqual(blur(random, 0).data, random.data);
  assert.deepEqual(blur(random, 0.05).data, random.data);
  // A vertical edge: the left column stays darker than the right one, and both move inward.
  const edge = rgbFrom([
    [
      [0, 0, 0],
      [0, 0, 0],
      [255, 255, 255],
      [255, 255, 255],
    ],
  ]);
  const soft = blur(edge, 1);
  const [a, b, c, d] = [0, 1, 2, 3].map((x) => pixel(soft, x, 0)[0]);
  assert.ok(a !== undefined && b !== undefined && c !== undefined && d !== undefined);
  assert.ok(a < b && b < c && c < d, [a, b, c, d].join());
  assert.equal(b + c, 255);
});

const grid3 = rgbFrom([
  [
    [1, 1, 1],
    [2, 2, 2],
    [3, 3, 3],
  ],
  [
    [4, 4, 4],
    [5, 5, 5],
    [6, 6, 6],
  ],
  [
    [7, 7, 7],
    [8, 8, 8],
    [9, 9, 9],
  ],
]);

void test('rotation: quarter turns clockwise are exact permutations', () => {
  const values = (image: RgbImage): number[] =>
    Array.from({ length: 9 }, (_, p) => image.data[p * 3] ?? -1);
  // Clockwise: the left column (1, 4, 7) becomes the top row, read bottom to top.
  assert.deepEqual(values(rotate(grid3, 90)), [7, 4, 1, 8, 5, 2, 9, 6, 3]);
  assert.deepEqual(values(rotate(grid3, 180)), [9, 8, 7, 6, 5, 4, 3, 2, 1]);
  assert.deepEqual(values(rotate(grid3, -90)), [3, 6, 9, 2, 5, 8, 1, 4, 7]);
  assert.deepEqual(values(rotate(grid3, 270)), values(rotate(grid3, -90)));
});

void test('rotation: 0 and 360 degrees copy the source; a tiny angle stays within a level', () => {
  const src = randomRgb(8, 5, 5);
  assert.deepEqual(rotate(src, 0).data, src.data);
  assert.deepEqual(rotate(src, 360).data, src.data);
  assert.deepEqual(rotate(src, -720).data, src.data);
  const nearly = rotate(src, 1e-9, [0, 0, 0]);
  assert.ok(nearly.data.every((v, i) => Math.abs(v - (src.data[i] ?? NaN)) <= 1));
});

void test('rotation: 45 degrees uncovers corners filled with the fill colour; solid + border fill is unchanged', () => {
  const flat = solid(11, 11, [200, 100, 50]);
  const black = rotate(flat, 45);
  assert.deepEqual(pixel(black, 5, 5), [200, 100, 50]);
  // Corner (0, 0) maps back to (5 - 7.07, 5) in the source: outside, so pure fill.
  assert.deepEqual(pixel(black, 0, 0), [0, 0, 0]);
  assert.deepEqual(pixel(black, 10, 10), [0, 0, 0]);
  assert.deepEqual(rotate(flat, 45, borderMean(flat)).data, flat.data);
  // A non-square image keeps its size.
  const wide = randomRgb(6, 3, 6);
  const turned = rotate(wide, 30);
  assert.equal(turned.data.length, wide.data.length);
});

void test('borderMean: mean of the outer ring, each pixel once', () => {
  const image = rgbFrom([
    [
      [10, 0, 0],
      [20, 0, 0],
      [30, 0, 0],
    ],
    [
      [40, 0, 0],
      [255, 255, 255],
      [50, 0, 0],
    ],
    [
      [60, 0, 0],
      [70, 0, 0],
      [80, 0, 0],
    ],
  ]);
  // (10 + 20 + 30 + 40 + 50 + 60 + 70 + 80) / 8 = 45; the centre is not part of the border.
  assert.deepEqual(borderMean(image), [45, 0, 0]);
  // One column: every pixel is border: (1 + 2 + 4) / 3 = 2.33 -> 2.
  assert.deepEqual(borderMean(rgbFrom([[[1, 1, 1]], [[2, 2, 2]], [[4, 4, 4]]])), [2, 2, 2]);
});

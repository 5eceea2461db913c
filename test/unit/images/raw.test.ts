// Alpha and luminance rules, by hand-computed values.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  alphaOf,
  colourOf,
  flattenOnWhite,
  hasTransparency,
  luminanceOf,
  type RawImage,
} from '../../../src/extension/images/raw';

const rgba = (data: number[]): RawImage => ({
  width: data.length / 4,
  height: 1,
  channels: 4,
  data: Uint8Array.from(data),
});

void test('flattenOnWhite: c a / 255 + 255 (1 - a / 255), rounded half up', () => {
  const image = flattenOnWhite(rgba([0, 0, 0, 0, 0, 0, 0, 255, 200, 100, 0, 128, 10, 20, 30, 255]));
  // Transparent -> white; opaque black stays black;
  // (200, 100, 0) at a = 128: 200 * 128 / 255 + 127 = 227.39 -> 227, 100 * 128 / 255 + 127 =
  // 177.20 -> 177, 0 + 127 = 127; opaque pixels are unchanged.
  assert.deepEqual([...image.data], [255, 255, 255, 0, 0, 0, 227, 177, 127, 10, 20, 30]);
  // Half-way case: c = 0, a = 1: 254 * 255 / 255 = 254 exactly; c = 255, a = 2: 255.
  assert.deepEqual(
    [...flattenOnWhite(rgba([0, 0, 0, 1, 255, 255, 255, 2])).data],
    [254, 254, 254, 255, 255, 255],
  );
});

void test('an RGB image passes through flattenOnWhite and colourOf as a copy', () => {
  const raw: RawImage = { width: 1, height: 1, channels: 3, data: Uint8Array.from([1, 2, 3]) };
  const flat = flattenOnWhite(raw);
  const colour = colourOf(raw);
  assert.deepEqual([...flat.data], [1, 2, 3]);
  assert.deepEqual([...colour.data], [1, 2, 3]);
  flat.data[0] = 99;
  colour.data[0] = 99;
  assert.equal(raw.data[0], 1);
  assert.equal(hasTransparency(raw), false);
  assert.deepEqual([...alphaOf(raw).data], [255]);
});

void test('hasTransparency, alphaOf and colourOf on RGBA', () => {
  const opaque = rgba([1, 2, 3, 255, 4, 5, 6, 255]);
  const partly = rgba([1, 2, 3, 255, 4, 5, 6, 254]);
  assert.equal(hasTransparency(opaque), false);
  assert.equal(hasTransparency(partly), true);
  assert.deepEqual([...alphaOf(partly).data], [255, 254]);
  assert.deepEqual([...colourOf(partly).data], [1, 2, 3, 4, 5, 6]);
});

void test('luminanceOf: (77 R + 150 G + 29 B + 128) >> 8; white and greys are kept', () => {
  const raw: RawImage = {
    width: 5,
    height: 1,
    channels: 3,
    data: Uint8Array.from([255, 255, 255, 0, 0, 0, 100, 100, 100, 255, 0, 0, 0, 255, 0]),
  };
  // Red: (77 * 255 + 128) >> 8 = 19763 >> 8 = 77; green: (150 * 255 + 128) >> 8 = 38378 >> 8 = 149.
  assert.deepEqual([...luminanceOf(raw).data], [255, 0, 100, 77, 149]);
  // The alpha byte of RGBA is skipped: (0, 0, 255) -> (29 * 255 + 128) >> 8 = 7503 >> 8 = 29.
  assert.deepEqual([...luminanceOf(rgba([0, 0, 255, 0])).data], [29]);
});

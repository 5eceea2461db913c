import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inflateSync } from 'node:zlib';

import { rgbPng, upFiltered } from '../../../src/extension/images/pngFile';
import { checkPng, parsePng } from '../../../src/extension/share/pngCheck';
import { randomRgb } from './builders';

/** Undoes the "up" filter: each row's samples plus the row above (mod 256). */
function unfilterUp(rows: Uint8Array, stride: number, height: number): Uint8Array {
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    assert.equal(rows[y * (stride + 1)], 2, `row ${y} names filter 2 ("up")`);
    for (let x = 0; x < stride; x++) {
      const above = y === 0 ? 0 : (out[(y - 1) * stride + x] as number);
      out[y * stride + x] = ((rows[y * (stride + 1) + 1 + x] as number) + above) & 255;
    }
  }
  return out;
}

void test('upFiltered stores each row as its difference to the row above, wrapping below zero', () => {
  // Two rows of one pixel: the second row's red 5 below the first's gives 256 - 5.
  const rows = upFiltered(Uint8Array.from([10, 20, 30, 5, 20, 200]), 3, 2);
  assert.deepEqual(rows, Uint8Array.from([2, 10, 20, 30, 2, 251, 0, 170]));
});

void test('rgbPng is a well-formed PNG whose rows give back the pixels, for any shape', async () => {
  for (const [w, h] of [
    [1, 1],
    [1, 9],
    [9, 1],
    [37, 23],
  ] as const) {
    const image = randomRgb(w, h, w * 100 + h);
    const png = await rgbPng(image);
    const header = await checkPng(png, 'frame.png'); // CRCs, chunk order, decodable
    assert.deepEqual(
      [header.width, header.height, header.bitDepth, header.colourType],
      [w, h, 8, 2],
    );
    const rows = inflateSync(parsePng(png, 'frame.png').data);
    assert.deepEqual(unfilterUp(rows, w * 3, h), image.data);
  }
});

void test('rgbPng refuses pixels that do not match the size', async () => {
  await assert.rejects(rgbPng({ width: 2, height: 2, data: new Uint8Array(11) }), /needs 12 bytes/);
});

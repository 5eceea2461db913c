import assert from 'node:assert/strict';
import { test } from 'node:test';

import { absoluteDifference, DIFFERENCE_GAIN } from '../../../src/webview/model/difference';
import { wrapText } from '../../../src/webview/model/textLayout';

void test('difference: |frame - source| x 4 per channel, clipped, opaque', () => {
  assert.equal(DIFFERENCE_GAIN, 4);
  const frame = new Uint8ClampedArray([10, 200, 50, 255, 0, 0, 0, 0]);
  const source = new Uint8ClampedArray([20, 100, 50, 128, 255, 0, 1, 255]);
  // |10-20| x 4 = 40; |200-100| x 4 = 400 -> 255; 0; alpha 255. |0-255| x 4 -> 255; 0; 4; 255.
  assert.deepEqual([...absoluteDifference(frame, source)], [40, 255, 0, 255, 255, 0, 4, 255]);
  assert.deepEqual([...absoluteDifference(frame, source, 1)], [10, 100, 0, 255, 255, 0, 1, 255]);
  assert.throws(() => absoluteDifference(frame, new Uint8ClampedArray(4)), RangeError);
});

void test('wrapText breaks at spaces and cuts words wider than a line', () => {
  const width = (s: string): number => s.length;
  assert.deepEqual(wrapText('the quick brown fox', 10, width), ['the quick', 'brown fox']);
  assert.deepEqual(wrapText('abcdefghijkl', 5, width), ['abcde', 'fghij', 'kl']);
  assert.deepEqual(wrapText('a\nb c', 10, width), ['a', 'b c']);
  assert.deepEqual(wrapText('', 10, width), ['']);
});

// Format detection from the first bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { sniffFormat } from '../../../src/extension/images/formats';

const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Uint8Array.from(
    parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)),
  );

void test('recognises PNG, JPEG, WebP and BMP signatures', () => {
  assert.deepEqual(sniffFormat(bytes([0x89], 'PNG\r\n\x1a\n', [0, 0])), { format: 'png' });
  assert.deepEqual(sniffFormat(bytes([0xff, 0xd8, 0xff, 0xe0])), { format: 'jpeg' });
  assert.deepEqual(sniffFormat(bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8L')), { format: 'webp' });
  assert.deepEqual(sniffFormat(bytes('BM', [0, 0, 0, 0])), { format: 'bmp' });
});

void test('names what other files are', () => {
  assert.deepEqual(sniffFormat(bytes('GIF89a')), { other: 'a GIF image' });
  assert.deepEqual(sniffFormat(bytes('II*', [0])), { other: 'a TIFF image' });
  assert.deepEqual(sniffFormat(bytes([0, 0, 0, 0x18], 'ftypavif')), {
    other: 'an HEIF/AVIF image',
  });
  assert.deepEqual(sniffFormat(bytes('label,value\ncat,1\n')), { other: 'text, not an image' });
  // UTF-8 text with accents is text; the same bytes cut inside a character still are.
  const cafe = Uint8Array.from(Buffer.from('café crème', 'utf8'));
  assert.deepEqual(sniffFormat(cafe), { other: 'text, not an image' });
  assert.deepEqual(sniffFormat(cafe.subarray(0, 4)), { other: 'text, not an image' });
  assert.deepEqual(sniffFormat(bytes('RIFF', [1, 2, 3, 4], 'WAVE')), {
    other: 'not an image format propsweep recognises',
  });
  // A JPEG signature cut after two bytes is not a JPEG.
  assert.deepEqual(sniffFormat(bytes([0xff, 0xd8])), {
    other: 'not an image format propsweep recognises',
  });
});

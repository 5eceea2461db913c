// The pure BMP decoder on hand-built files: layouts it reads, and the refusals that say what to do.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { decodeBmp, readBmpHeader } from '../../../src/extension/images/bmp';
import { ImageInputError } from '../../../src/extension/images/errors';
import { bmpBytes } from './builders';

const RED = [255, 0, 0];
const GREEN = [0, 255, 0];
const BLUE = [0, 0, 255];
const GREY = [10, 20, 30];
const WHITE = [255, 255, 255];
const BLACK = [0, 0, 0];

void test('24-bit bottom-up 3x2: rows padded to 4 bytes, stored bottom row first, BGR order', () => {
  const rows = [
    [RED, GREEN, BLUE],
    [GREY, WHITE, BLACK],
  ];
  const bytes = bmpBytes({ width: 3, height: 2, bitsPerPixel: 24, rows });
  // 3 pixels * 3 bytes = 9, padded to 12: the file is 14 + 40 + 2 * 12 bytes.
  assert.equal(bytes.length, 14 + 40 + 24);
  // The first stored row is the bottom one, blue-green-red per pixel: GREY (10, 20, 30) -> 30, 20, 10.
  assert.deepEqual([...bytes.subarray(54, 57)], [30, 20, 10]);
  const raw = decodeBmp(bytes);
  assert.equal(raw.width, 3);
  assert.equal(raw.height, 2);
  assert.equal(raw.channels, 3);
  assert.deepEqual([...raw.data], rows.flat(2));
});

void test('24-bit top-down (negative height) reads the first stored row as the top row', () => {
  const rows = [
    [RED, GREEN],
    [BLUE, GREY],
    [WHITE, BLACK],
  ];
  const bytes = bmpBytes({ width: 2, height: 3, bitsPerPixel: 24, rows, topDown: true });
  assert.equal(new DataView(bytes.buffer).getInt32(22, true), -3);
  assert.equal(readBmpHeader(bytes).topDown, true);
  assert.deepEqual([...decodeBmp(bytes).data], rows.flat(2));
});

void test('the 12-byte OS/2 core header is read too', () => {
  const rows = [[RED, BLUE]];
  const raw = decodeBmp(bmpBytes({ width: 2, height: 1, bitsPerPixel: 24, rows, headerSize: 12 }));
  assert.deepEqual([...raw.data], rows.flat(2));
});

void test('32-bit BI_RGB with an all-zero fourth byte is opaque RGB', () => {
  const rows = [
    [
      [1, 2, 3, 0],
      [4, 5, 6, 0],
    ],
  ];
  const raw = decodeBmp(bmpBytes({ width: 2, height: 1, bitsPerPixel: 32, rows }));
  assert.equal(raw.channels, 3);
  assert.deepEqual([...raw.data], [1, 2, 3, 4, 5, 6]);
});

void test('32-bit BI_RGB with alpha in the fourth byte keeps it, as browsers do', () => {
  const rows = [
    [
      [1, 2, 3, 255],
      [4, 5, 6, 128],
    ],
  ];
  const raw = decodeBmp(bmpBytes({ width: 2, height: 1, bitsPerPixel: 32, rows }));
  assert.equal(raw.channels, 4);
  assert.deepEqual([...raw.data], [1, 2, 3, 255, 4, 5, 6, 128]);
});

void test('32-bit BI_BITFIELDS in a V5 header: masks in RGBA byte order', () => {
  const masks = { r: 0x000000ff, g: 0x0000ff00, b: 0x00ff0000, a: 0xff000000 };
  const rows = [
    [
      [200, 100, 50, 255],
      [7, 8, 9, 0],
    ],
  ];
  const bytes = bmpBytes({
    width: 2,
    height: 1,
    bitsPerPixel: 32,
    rows,
    headerSize: 124,
    compression: 3,
    masks,
  });
  // With these masks the bytes of a pixel are stored r, g, b, a.
  assert.deepEqual([...bytes.subarray(14 + 124, 14 + 124 + 4)], [200, 100, 50, 255]);
  const raw = decodeBmp(bytes);
  assert.equal(raw.channels, 4);
  assert.deepEqual([...raw.data], [200, 100, 50, 255, 7, 8, 9, 0]);
});

void test('10-bit channel masks are scaled to 0..255; no alpha mask gives RGB', () => {
  // R in bits 20-29, G in 10-19, B in 0-9 (a 10:10:10 layout); masks right after a 40-byte header.
  const masks = { r: 0x3ff00000, g: 0x000ffc00, b: 0x000003ff, a: 0 };
  const rows = [[[255, 0, 128, 0]]];
  const bytes = bmpBytes({ width: 1, height: 1, bitsPerPixel: 32, rows, compression: 3, masks });
  // 128 -> round(128 * 1023 / 255) = 514 stored; 514 * 255 / 1023 = 128.12 -> 128 read back.
  assert.equal(new DataView(bytes.buffer).getUint32(14 + 40 + 12, true), (1023 << 20) | 514);
  const raw = decodeBmp(bytes);
  assert.equal(raw.channels, 3);
  assert.deepEqual([...raw.data], [255, 0, 128]);
});

void test('BI_ALPHABITFIELDS with a 40-byte header reads the fourth mask as alpha', () => {
  const rows = [[[9, 8, 7, 100]]];
  const raw = decodeBmp(bmpBytes({ width: 1, height: 1, bitsPerPixel: 32, rows, compression: 6 }));
  assert.deepEqual([...raw.data], [9, 8, 7, 100]);
});

function refusal(bytes: Uint8Array, pattern: RegExp, options: { maxPixels?: number } = {}): void {
  assert.throws(
    () => decodeBmp(bytes, options),
    (error: unknown) => {
      assert.ok(error instanceof ImageInputError, String(error));
      assert.match(error.message, pattern);
      return true;
    },
  );
}

const ok24 = (): Uint8Array =>
  bmpBytes({
    width: 2,
    height: 2,
    bitsPerPixel: 24,
    rows: [
      [RED, RED],
      [RED, RED],
    ],
  });

void test('refuses palette, 16-bit and compressed BMPs with what to do instead', () => {
  const rows = [[RED]];
  refusal(
    bmpBytes({ width: 1, height: 1, bitsPerPixel: 24, rows, headerBits: 8 }),
    /8-bit \(palette\) BMP; .*24- and 32-bit.*Re-export it as PNG/,
  );
  refusal(bmpBytes({ width: 1, height: 1, bitsPerPixel: 24, rows, headerBits: 16 }), /16-bit BMP/);
  refusal(
    bmpBytes({ width: 1, height: 1, bitsPerPixel: 24, rows, compression: 1 }),
    /compressed BMP \(RLE8\).*Re-export/,
  );
  refusal(bmpBytes({ width: 1, height: 1, bitsPerPixel: 24, rows, compression: 4 }), /\(JPEG\)/);
});

void test('refuses truncated pixel data and headers, naming the sizes', () => {
  const full = ok24();
  refusal(full.subarray(0, full.length - 8), /truncated: .*2x2 pixels.*has 62 bytes/);
  refusal(full.subarray(0, 30), /truncated: the file \(30 bytes\) ends inside its BMP header/);
  refusal(full.subarray(0, 10), /truncated/);
});

void test('a file missing only the padding of its last row still decodes', () => {
  const full = ok24();
  assert.deepEqual(
    [...decodeBmp(full.subarray(0, full.length - 2)).data],
    Array(4).fill(RED).flat(),
  );
});

void test('refuses damaged headers: unknown header size, zero size, broken masks, no signature', () => {
  const odd = ok24();
  new DataView(odd.buffer).setUint32(14, 64, true);
  refusal(odd, /header of 64 bytes/);
  refusal(bmpBytes({ width: 0, height: 1, bitsPerPixel: 24, rows: [] }), /damaged BMP: .*0x1/);
  const masks = { r: 0x00ff00ff, g: 0x0000ff00, b: 0x000000ff, a: 0 };
  refusal(
    bmpBytes({ width: 1, height: 1, bitsPerPixel: 32, rows: [[RED]], compression: 3, masks }),
    /r bit mask 0xff00ff is not one run of bits/,
  );
  refusal(
    bmpBytes({ width: 1, height: 1, bitsPerPixel: 24, rows: [[RED]], compression: 3 }),
    /bit-field masks with 24 bits per pixel/,
  );
  refusal(new Uint8Array([0x50, 0x4b, 3, 4]), /no "BM" signature/);
});

void test('maxPixels is checked from the header, before pixel memory is allocated', () => {
  refusal(ok24(), /2x2 = 4 pixels, more than the limit of 3/, { maxPixels: 3 });
  assert.equal(decodeBmp(ok24(), { maxPixels: 4 }).width, 2);
  // A header promising 100000 x 100000 pixels in a tiny file is refused as truncated, not allocated.
  const huge = ok24();
  new DataView(huge.buffer).setInt32(18, 100000, true);
  new DataView(huge.buffer).setInt32(22, 100000, true);
  refusal(huge, /truncated/);
});

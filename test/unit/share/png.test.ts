import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inflateSync } from 'node:zlib';

import { checkPng, parsePng, PngError } from '../../../src/extension/share/pngCheck';
import { encodePng, reportPng } from '../../../src/extension/share/pngThumbnail';
import { chunk, ihdr, interlacedRgbPng, pngOf, SIGNATURE, solidPng } from './pngBuilders';

const LIMITS = { maxSide: 16, maxBytes: 4096 };

/** Decodes by way of reportPng at a size that keeps every pixel (a 1:1 area average), as RGBA. */
function pixels(png: Uint8Array, side: number): number[] {
  const thumb = parsePng(reportPng(png, 'png', { maxSide: side, maxBytes: 0 }), 'thumb');
  const channels = thumb.header.colourType === 6 ? 4 : 3;
  const raw = inflateSync(thumb.data);
  const stride = 1 + thumb.header.width * channels;
  const out: number[] = [];
  for (let at = 0; at < raw.length; at += stride) {
    for (let p = at + 1; p < at + stride; p += channels)
      out.push(...raw.subarray(p, p + channels), ...(channels === 3 ? [255] : []));
  }
  return out;
}

test('a PNG that propsweep writes passes, with its header', async () => {
  const png = solidPng(5, 3);
  assert.deepEqual(await checkPng(png, 'f.png'), {
    width: 5,
    height: 3,
    bitDepth: 8,
    colourType: 2,
    interlaced: false,
  });
});

test('files that are not decodable PNGs are refused with what is wrong', async () => {
  const good = Buffer.from(solidPng(4, 4));
  const refused = async (bytes: Uint8Array, why: RegExp): Promise<void> => {
    await assert.rejects(checkPng(bytes, 'x.png'), (error: unknown) => {
      assert.ok(error instanceof PngError);
      assert.match(error.message, /^x\.png is not a decodable PNG: /);
      assert.match(error.message, why);
      return true;
    });
  };
  await refused(Buffer.from('[core]\n\trepositoryformatversion = 0\n'), /PNG signature/);
  await refused(Buffer.from('SECRET_TOKEN=abc\n'), /PNG signature/);
  await refused(good.subarray(0, good.length - 20), /truncated/);
  const flipped = Buffer.from(good);
  const inData = good.length - 12 - 4 - 2; // before IEND and the IDAT's CRC
  flipped[inData] = (flipped[inData] ?? 0) ^ 0xff;
  await refused(flipped, /CRC/);
  // A valid header that promises far more pixels than the limit: refused before inflating.
  await refused(pngOf(ihdr(100_000, 100_000), new Uint8Array(1)), /more than the limit/);
  // Data that inflates to fewer bytes than 4x4 RGBA needs.
  await refused(pngOf(ihdr(4, 4), new Uint8Array(10)), /fewer bytes/);
  await refused(pngOf(ihdr(4, 4), new Uint8Array(4 * 17 + 100)), /more bytes/);
  // The right size, but a scanline filter that does not exist.
  await refused(pngOf(ihdr(2, 4, 8, 6), new Uint8Array(4 * 9).fill(7)), /unknown filter/);
  await refused(pngOf(ihdr(4, 4, 3, 2), new Uint8Array(4 * 13)), /colour type 2 with bit depth 3/);
  await refused(pngOf(ihdr(2, 2, 8, 3), new Uint8Array(6)), /palette image without a palette/);
  await refused(
    Buffer.concat([SIGNATURE, chunk('IHDR', ihdr(1, 1)), chunk('IEND', new Uint8Array(0))]),
    /no image data/,
  );
  await refused(
    pngOf(ihdr(1, 1), new Uint8Array(5), [chunk('ZZZZ', new Uint8Array(1))]),
    /unknown critical chunk ZZZZ/,
  );
});

test('a small frame is embedded as it is; a large one as a small copy of the same picture', () => {
  const small = solidPng(8, 8);
  assert.equal(reportPng(small, 's', LIMITS), small);
  // Left half red, right half blue, 400 x 200: a 16 x 8 copy, the halves kept.
  const large = solidPng(400, 200, (x) => (x < 200 ? [255, 0, 0] : [0, 0, 255]));
  const thumb = reportPng(large, 'l', LIMITS);
  assert.deepEqual(parsePng(thumb, 't').header, {
    width: 16,
    height: 8,
    bitDepth: 8,
    colourType: 2,
    interlaced: false,
  });
  const px = pixels(large, 16);
  assert.deepEqual(px.slice(0, 4), [255, 0, 0, 255]);
  assert.deepEqual(px.slice(15 * 4, 16 * 4), [0, 0, 255, 255]);
  // A frame small in pixels but large in bytes is re-encoded too.
  const noisy = solidPng(16, 16, (x, y) => [(x * 37 + y * 91) % 256, (x * y) % 256, 7]);
  assert.notEqual(reportPng(noisy, 'n', { maxSide: 16, maxBytes: 10 }), noisy);
  assert.throws(() => reportPng(Buffer.from('not a png'), 'n', LIMITS), PngError);
});

test('interlaced, palette, grey and 16-bit PNGs decode to the same pixels', () => {
  const colour = (x: number, y: number): [number, number, number] => [x * 20, y * 30, 100];
  const plain = encodePng({
    width: 5,
    height: 7,
    data: Uint8Array.from({ length: 5 * 7 * 4 }, (_, i) => {
      const p = Math.floor(i / 4);
      return i % 4 === 3 ? 255 : (colour(p % 5, Math.floor(p / 5))[i % 4] ?? 0);
    }),
  });
  assert.deepEqual(pixels(interlacedRgbPng(5, 7, colour), 7), pixels(plain, 7));
  // 2-bit palette: indices 0..3 on one row, one byte.
  const palette = chunk('PLTE', Uint8Array.from([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]));
  const paletted = pngOf(ihdr(4, 1, 2, 3), Uint8Array.from([0, 0b00011011]), [palette]);
  assert.deepEqual(
    pixels(paletted, 4),
    [0, 0, 0, 255, 255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255],
  );
  // 16-bit grey: the high byte counts.
  const grey16 = pngOf(ihdr(2, 1, 16, 0), Uint8Array.from([0, 0x12, 0x34, 0xff, 0xff]));
  assert.deepEqual(pixels(grey16, 2), [0x12, 0x12, 0x12, 255, 255, 255, 255, 255]);
});

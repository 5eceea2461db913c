// PNG files built by hand for the PNG checks: any colour type, bit depth and interlacing, and
// broken ones (a wrong CRC, a cut, a header that promises more pixels than the data has).
import { crc32, deflateSync } from 'node:zlib';

import { encodePng } from '../../../src/extension/share/pngThumbnail';

/** A chunk with its length and CRC. */
export function chunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  out.set(body, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

/** The 8-byte PNG signature. */
export const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** An IHDR body. */
export function ihdr(width: number, height: number, bitDepth = 8, colourType = 6, interlace = 0) {
  const body = Buffer.alloc(13);
  body.writeUInt32BE(width, 0);
  body.writeUInt32BE(height, 4);
  body[8] = bitDepth;
  body[9] = colourType;
  body[12] = interlace;
  return body;
}

/** A PNG from an IHDR, extra chunks before IDAT, and the uncompressed scanline data. */
export function pngOf(header: Buffer, scanlines: Uint8Array, before: Buffer[] = []): Buffer {
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    ...before,
    chunk('IDAT', deflateSync(scanlines)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** An opaque RGBA PNG of `width` x `height` whose pixel (x, y) is `colour(x, y)`. */
export function solidPng(
  width: number,
  height: number,
  colour: (x: number, y: number) => readonly [number, number, number] = () => [200, 100, 50],
): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.set([...colour(x, y), 255], (y * width + x) * 4);
    }
  }
  return encodePng({ width, height, data });
}

/** Adam7 passes: x0, y0, dx, dy. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** The same picture as an interlaced 8-bit RGB PNG (filter 0 on every scanline). */
export function interlacedRgbPng(
  width: number,
  height: number,
  colour: (x: number, y: number) => readonly [number, number, number],
): Buffer {
  const rows: number[] = [];
  for (const [x0, y0, dx, dy] of ADAM7) {
    for (let y = y0; y < height; y += dy) {
      if (x0 >= width) break;
      rows.push(0);
      for (let x = x0; x < width; x += dx) rows.push(...colour(x, y));
    }
  }
  return pngOf(ihdr(width, height, 8, 2, 1), Uint8Array.from(rows));
}

// PNG files built by hand for the PNG checks: any colour type, bit depth and interlacing, and
// broken ones (a wrong CRC, a cut, a header that promises more pixels than the data has).
import { deflateSync } from 'node:zlib';

import { pngChunk } from '../../../src/extension/images/pngFile';
import { encodePng } from '../../../src/extension/share/pngThumbnail';

// The writer's chunk, not the checker's code: a checker that misreads lengths or CRCs still fails
// on the files built here.
export { pngChunk as chunk };

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
    pngChunk('IHDR', header),
    ...before,
    pngChunk('IDAT', deflateSync(scanlines)),
    pngChunk('IEND', new Uint8Array(0)),
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

// The pass of each pixel of an 8 x 8 tile, as drawn in the PNG specification (section 8.2, Adam7).
// Written out as the picture rather than as pngCheck's table of offsets and steps, so the interlaced
// files here do not share a mistake with the decoder they test.
const ADAM7_TILE = [
  '16462646',
  '77777777',
  '56565656',
  '77777777',
  '36463646',
  '77777777',
  '56565656',
  '77777777',
] as const;

/** The same picture as an interlaced 8-bit RGB PNG (filter 0 on every scanline). */
export function interlacedRgbPng(
  width: number,
  height: number,
  colour: (x: number, y: number) => readonly [number, number, number],
): Buffer {
  const rows: number[] = [];
  for (let pass = 1; pass <= 7; pass++) {
    for (let y = 0; y < height; y++) {
      const tileRow = ADAM7_TILE[y % 8] ?? '';
      const xs = Array.from({ length: width }, (_, x) => x).filter(
        (x) => tileRow[x % 8] === String(pass),
      );
      // A row with no pixel of this pass has no scanline in it (nor has an empty pass).
      if (xs.length === 0) continue;
      rows.push(0);
      for (const x of xs) rows.push(...colour(x, y));
    }
  }
  return pngOf(ihdr(width, height, 8, 2, 1), Uint8Array.from(rows));
}

// Writing PNG files of 8-bit pixels in pure Node (node:zlib): every frame and source a run writes,
// the report's thumbnails and the images handed to a classifier command are made here, without
// sharp, so that code outside the inference child can write them too.
import { promisify } from 'node:util';
import { constants, crc32, deflate, deflateSync, type ZlibOptions } from 'node:zlib';

import { checkImageShape, type RgbImage } from './image';

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

const deflateAsync = promisify<Uint8Array, ZlibOptions, Buffer>(deflate);

/**
 * How the frames are deflated: zlib's run-length strategy on "up"-filtered rows. On 160 px frames
 * (npm run bench -- folder) it took a quarter of the time of sharp at level 3, whose rows are not
 * filtered, and gave files 40% smaller; full deflate at levels 1 to 6 came within 15% of its size
 * at one and a half to five times its time.
 */
const FRAME_DEFLATE: ZlibOptions = { level: 1, strategy: constants.Z_RLE };

/**
 * A PNG of 8-bit RGB (3 channels) or RGBA (4) from its filtered rows (each row's filter byte, then
 * its samples), deflated at zlib `level` (0: stored, uncompressed).
 */
export function pngFile(
  width: number,
  height: number,
  channels: 3 | 4,
  rows: Uint8Array,
  level: number,
): Buffer {
  return pngOf(width, height, channels, deflateSync(rows, { level }));
}

/**
 * An RGB image as a PNG, each row filtered "up" (its difference to the row above). Deflated on
 * libuv's thread pool: the calling thread only filters.
 */
export async function rgbPng(image: RgbImage): Promise<Buffer> {
  checkImageShape(image, 3, 'The image to encode');
  const { width, height } = image;
  const rows = upFiltered(image.data, width * 3, height);
  // One output chunk for any frame that compresses at all: each further chunk is another round
  // trip to the pool.
  const idat = await deflateAsync(rows, FRAME_DEFLATE);
  return pngOf(width, height, 3, idat);
}

/** Rows of `stride` bytes, each as filter byte 2 ("up") and its differences to the row above. */
export function upFiltered(data: Uint8Array, stride: number, height: number): Uint8Array {
  const rows = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const at = y * (stride + 1);
    const row = y * stride;
    rows[at] = 2;
    if (y === 0) {
      // Above the first row is zero: its differences are its samples.
      rows.set(data.subarray(0, stride), 1);
      continue;
    }
    for (let x = 0; x < stride; x++) {
      rows[at + 1 + x] = (data[row + x] as number) - (data[row - stride + x] as number);
    }
  }
  return rows;
}

/** The file: signature, IHDR, one IDAT of `idat`, IEND; written into one buffer, copied once. */
function pngOf(width: number, height: number, channels: 3 | 4, idat: Uint8Array): Buffer {
  const out = Buffer.alloc(SIGNATURE.length + 3 * 12 + 13 + idat.length);
  out.set(SIGNATURE);
  let at = writeChunk(out, SIGNATURE.length, 'IHDR', 13, (body) => {
    body.writeUInt32BE(width, 0);
    body.writeUInt32BE(height, 4);
    body[8] = 8; // bits per sample
    body[9] = channels === 3 ? 2 : 6; // colour type; compression, filter and interlace methods 0
  });
  at = writeChunk(out, at, 'IDAT', idat.length, (body) => {
    body.set(idat);
  });
  writeChunk(out, at, 'IEND', 0, () => undefined);
  return out;
}

/** Writes a chunk of `length` body bytes at `at` in `out` (`fill` writes the body); its end. */
function writeChunk(
  out: Buffer,
  at: number,
  type: string,
  length: number,
  fill: (body: Buffer) => void,
): number {
  out.writeUInt32BE(length, at);
  out.write(type, at + 4, 'latin1');
  fill(out.subarray(at + 8, at + 8 + length));
  out.writeUInt32BE(crc32(out.subarray(at + 4, at + 8 + length)), at + 8 + length);
  return at + 12 + length;
}

/** One PNG chunk: its length, type, body and the CRC of type and body (node:zlib's crc32). */
export function pngChunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  writeChunk(out, 0, type, body.length, (space) => {
    space.set(body);
  });
  return out;
}

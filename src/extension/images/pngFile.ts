// Writing PNG files of 8-bit pixels in pure Node (node:zlib): the report's thumbnails and the
// images handed to a classifier command are both made here, without sharp, so that code outside
// the inference child can write them too.
import { crc32, deflateSync } from 'node:zlib';

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

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
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per sample
  header[9] = channels === 3 ? 2 : 6; // colour type; compression, filter and interlace methods 0
  return Buffer.concat([
    SIGNATURE,
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(rows, { level })),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

/** One PNG chunk: its length, type, body and the CRC of type and body (node:zlib's crc32). */
export function pngChunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  out.set(body, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

// The PNG files a classifier command reads: written once and read once on the same machine, so
// they are stored, not compressed (zlib level 0, no row filter). The bench (npm run bench --
// classifiers) measured sharp at about 0.8 ms per 128 px frame even at level 0, most of it per-call
// overhead, against a few hundredths of a millisecond here; any PNG reader decodes them (PIL,
// torchvision, sharp). Pure Node: the share layer's thumbnail writer is not reachable from models.
import { crc32, deflateSync } from 'node:zlib';

import { checkImageShape, type RgbImage } from '../images/image';

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** An 8-bit RGB image as an uncompressed PNG (stored deflate blocks, filter "none" on every row). */
export function storedPng(image: RgbImage): Buffer {
  checkImageShape(image, 3, 'The image to hand over');
  const { width, height, data } = image;
  const stride = width * 3;
  const rows = Buffer.alloc((stride + 1) * height); // each row: filter byte 0, then its pixels
  for (let y = 0; y < height; y++) {
    rows.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per sample
  header[9] = 2; // colour type RGB; compression, filter and interlace methods 0
  return Buffer.concat([
    SIGNATURE,
    ...chunk('IHDR', header),
    ...chunk('IDAT', deflateSync(rows, { level: 0 })),
    ...chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** One PNG chunk as pieces (the body is not copied): length and type, body, CRC of type and body. */
function chunk(type: string, body: Uint8Array): Uint8Array[] {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body, crc32(head.subarray(4))), 0);
  return [head, body, crc];
}

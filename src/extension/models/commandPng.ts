// The PNG files a classifier command reads: written once and read once on the same machine, so
// they are stored, not compressed (zlib level 0, no row filter). The bench (npm run bench --
// classifiers) measured sharp at about 0.8 ms per 128 px frame even at level 0, most of it per-call
// overhead, against a few hundredths of a millisecond here; any PNG reader decodes them (PIL,
// torchvision, sharp).
import { checkImageShape, type RgbImage } from '../images/image';
import { pngFile } from '../images/pngFile';

/** An 8-bit RGB image as an uncompressed PNG (stored deflate blocks, filter "none" on every row). */
export function storedPng(image: RgbImage): Buffer {
  checkImageShape(image, 3, 'The image to hand over');
  const { width, height, data } = image;
  const stride = width * 3;
  const rows = Buffer.alloc((stride + 1) * height); // each row: filter byte 0, then its pixels
  for (let y = 0; y < height; y++) {
    rows.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  return pngFile(width, height, 3, rows, 0);
}

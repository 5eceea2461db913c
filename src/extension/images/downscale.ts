// An area-average downscale of an RGB image, in plain TypeScript: the panel's preview of a path is
// made in the inference child right after the measures, and a few hundred pixels a side are all a
// frame shows in the panel. Each source pixel falls into one target pixel (the one its position
// scales to), and each target pixel is the rounded mean of the pixels in it: exact for integer
// factors, a box filter otherwise, and the same binning as share/pngThumbnail.ts.
import type { RgbImage } from './image';

/** The size of `width` x `height` scaled to at most `maxSide` on its long side (never enlarged). */
export function scaledSize(
  width: number,
  height: number,
  maxSide: number,
): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/**
 * `image` area-averaged to at most `maxSide` pixels on its long side; an image already that small
 * is copied as it is. The result has its own pixel buffer (it is sent to another process).
 */
export function downscaleRgb(image: RgbImage, maxSide: number): RgbImage {
  const { width, height, data } = image;
  const target = scaledSize(width, height, maxSide);
  const tw = target.width;
  const th = target.height;
  if (tw === width && th === height) return { width, height, data: new Uint8Array(data) };
  const sums = new Float64Array(tw * th * 3);
  const counts = new Uint32Array(tw * th);
  const bins = Int32Array.from({ length: width }, (_, x) =>
    Math.min(tw - 1, Math.floor((x * tw) / width)),
  );
  for (let y = 0; y < height; y++) {
    const row = Math.min(th - 1, Math.floor((y * th) / height)) * tw;
    let at = y * width * 3;
    for (let x = 0; x < width; x++, at += 3) {
      const bin = row + (bins[x] ?? 0);
      const s = bin * 3;
      sums[s] = (sums[s] ?? 0) + (data[at] ?? 0);
      sums[s + 1] = (sums[s + 1] ?? 0) + (data[at + 1] ?? 0);
      sums[s + 2] = (sums[s + 2] ?? 0) + (data[at + 2] ?? 0);
      counts[bin] = (counts[bin] ?? 0) + 1;
    }
  }
  const out = new Uint8Array(tw * th * 3);
  for (let bin = 0; bin < tw * th; bin++) {
    const n = Math.max(1, counts[bin] ?? 1);
    for (let c = 0; c < 3; c++) out[bin * 3 + c] = Math.round((sums[bin * 3 + c] ?? 0) / n);
  }
  return { width: tw, height: th, data: out };
}

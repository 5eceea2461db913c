// Neighbourhood operations in plain TypeScript: a Gaussian blur and a rotation. sharp could do
// both, but its blur refuses sigma < 0.3 (a sweep from t = 0 would jump there) and its rotation
// grows the canvas; one implementation for the whole path keeps the path smooth, exact at t = 0
// and identical on every platform.
import type { RgbImage } from '../images/image';
import { toByte } from './pixels';

/** Normalised Gaussian weights at integer offsets -r..r, r = ceil(3 sigma) (at least 1). */
export function gaussianKernel(sigma: number): Float64Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) {
    const w = Math.exp(-(k * k) / (2 * sigma * sigma));
    kernel[k + radius] = w;
    sum += w;
  }
  for (let k = 0; k < kernel.length; k++) kernel[k] = (kernel[k] as number) / sum;
  return kernel;
}

/**
 * Separable Gaussian blur with edge pixels repeated beyond the border. sigma 0 copies the source
 * (the limit of the kernel), so the blur path starts exactly at the source. `scratch` (width x
 * height x 3 floats) may be passed to reuse one buffer across the steps of a path.
 */
export function gaussianBlur(
  source: RgbImage,
  sigma: number,
  dst: Uint8Array,
  scratch: Float32Array = new Float32Array(source.data.length),
): void {
  const { width, height, data: src } = source;
  if (sigma === 0) {
    dst.set(src);
    return;
  }
  const kernel = gaussianKernel(sigma);
  const taps = kernel.length;
  const radius = (taps - 1) / 2;
  // Clamped offsets for every tap position, so the inner loops need no bounds checks.
  const columns = clampedOffsets(width, radius, 3);
  const rows = clampedOffsets(height, radius, width * 3);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < taps; k++) {
        const w = kernel[k] as number;
        const o = row + (columns[x + k] as number);
        r += w * (src[o] as number);
        g += w * (src[o + 1] as number);
        b += w * (src[o + 2] as number);
      }
      const o = row + x * 3;
      scratch[o] = r;
      scratch[o + 1] = g;
      scratch[o + 2] = b;
    }
  }
  // Vertical pass a whole row at a time: each tap reads one contiguous row of the scratch.
  const stride = width * 3;
  const sums = new Float64Array(stride);
  for (let y = 0; y < height; y++) {
    sums.fill(0);
    for (let k = 0; k < taps; k++) {
      const w = kernel[k] as number;
      const from = rows[y + k] as number;
      for (let i = 0; i < stride; i++)
        sums[i] = (sums[i] as number) + w * (scratch[from + i] as number);
    }
    const out = y * stride;
    for (let i = 0; i < stride; i++) dst[out + i] = toByte(sums[i] as number);
  }
}

/** offsets[j] = clamp(j - radius, 0, n - 1) * step for j in 0 .. n + 2 radius - 1. */
function clampedOffsets(n: number, radius: number, step: number): Int32Array {
  const offsets = new Int32Array(n + 2 * radius);
  for (let j = 0; j < offsets.length; j++) {
    offsets[j] = Math.min(n - 1, Math.max(0, j - radius)) * step;
  }
  return offsets;
}

/** Mean colour of the outermost ring of pixels, rounded: the default fill of rotated corners. */
export function borderMean(image: RgbImage): [number, number, number] {
  const { width, height, data } = image;
  const sum = [0, 0, 0];
  let count = 0;
  for (let y = 0; y < height; y++) {
    const edgeRow = y === 0 || y === height - 1;
    for (let x = 0; x < width; x += edgeRow || width === 1 ? 1 : width - 1) {
      const i = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) sum[c] = (sum[c] as number) + (data[i + c] as number);
      count++;
    }
  }
  return [
    toByte((sum[0] as number) / count),
    toByte((sum[1] as number) / count),
    toByte((sum[2] as number) / count),
  ];
}

/**
 * Rotates clockwise (as seen on screen) by `degrees` about the image centre, keeping the size.
 * Bilinear sampling; source positions outside the image read `fill`, so the edges blend into the
 * fill smoothly instead of stair-stepping. Quarter turns use exact sines, so 0 and 360 degrees
 * copy the source and 90-degree turns of a square image are lossless.
 */
export function rotateBilinear(
  source: RgbImage,
  degrees: number,
  fill: readonly [number, number, number],
  dst: Uint8Array,
): void {
  const { width, height, data: src } = source;
  const reduced = ((degrees % 360) + 360) % 360;
  const exact: Record<number, [number, number]> = {
    0: [1, 0],
    90: [0, 1],
    180: [-1, 0],
    270: [0, -1],
  };
  const radians = (reduced * Math.PI) / 180;
  const [cos, sin] = exact[reduced] ?? [Math.cos(radians), Math.sin(radians)];
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const [f0, f1, f2] = fill;
  for (let y = 0; y < height; y++) {
    const dy = y - cy;
    for (let x = 0; x < width; x++) {
      const dx = x - cx;
      // The inverse map: which source position lands on (x, y) after a clockwise turn (y down).
      const sx = cx + cos * dx + sin * dy;
      const sy = cy - sin * dx + cos * dy;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const w00 = (1 - fx) * (1 - fy);
      const w10 = fx * (1 - fy);
      const w01 = (1 - fx) * fy;
      const w11 = fx * fy;
      const in0 = y0 >= 0 && y0 < height;
      const in1 = y0 + 1 >= 0 && y0 + 1 < height;
      const inX0 = x0 >= 0 && x0 < width;
      const inX1 = x0 + 1 >= 0 && x0 + 1 < width;
      const i00 = in0 && inX0 ? (y0 * width + x0) * 3 : -1;
      const i10 = in0 && inX1 ? (y0 * width + x0 + 1) * 3 : -1;
      const i01 = in1 && inX0 ? ((y0 + 1) * width + x0) * 3 : -1;
      const i11 = in1 && inX1 ? ((y0 + 1) * width + x0 + 1) * 3 : -1;
      const o = (y * width + x) * 3;
      dst[o] = toByte(
        w00 * (i00 < 0 ? f0 : (src[i00] as number)) +
          w10 * (i10 < 0 ? f0 : (src[i10] as number)) +
          w01 * (i01 < 0 ? f0 : (src[i01] as number)) +
          w11 * (i11 < 0 ? f0 : (src[i11] as number)),
      );
      dst[o + 1] = toByte(
        w00 * (i00 < 0 ? f1 : (src[i00 + 1] as number)) +
          w10 * (i10 < 0 ? f1 : (src[i10 + 1] as number)) +
          w01 * (i01 < 0 ? f1 : (src[i01 + 1] as number)) +
          w11 * (i11 < 0 ? f1 : (src[i11 + 1] as number)),
      );
      dst[o + 2] = toByte(
        w00 * (i00 < 0 ? f2 : (src[i00 + 2] as number)) +
          w10 * (i10 < 0 ? f2 : (src[i10 + 2] as number)) +
          w01 * (i01 < 0 ? f2 : (src[i01 + 2] as number)) +
          w11 * (i11 < 0 ? f2 : (src[i11 + 2] as number)),
      );
    }
  }
}

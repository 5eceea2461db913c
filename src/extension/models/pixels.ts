// Pixels to model input, as pure arithmetic: channel order, value range, mean/std and layout.
// No sharp and no onnxruntime here, so the numbers are unit tested against hand-computed values.
import type { PreprocessConfig } from './types';

/** The normalisation a pixel gets; mean and std are always given in R, G, B order. */
export type Normalisation = Pick<PreprocessConfig, 'range' | 'mean' | 'std'>;

/**
 * One 8-bit value of source channel `channel` (0 = R, 1 = G, 2 = B) as the model sees it:
 * ((p / 255) * (hi - lo) + lo - mean[c]) / std[c].
 */
export function normalisePixel(value: number, channel: 0 | 1 | 2, norm: Normalisation): number {
  const [lo, hi] = norm.range;
  return ((value / 255) * (hi - lo) + lo - norm.mean[channel]) / norm.std[channel];
}

/** Which source channel (0 = R, 1 = G, 2 = B) feeds each model channel. */
export function sourceChannels(
  order: PreprocessConfig['channelOrder'],
): readonly [0 | 1 | 2, 0 | 1 | 2, 0 | 1 | 2] {
  return order === 'RGB' ? [0, 1, 2] : [2, 1, 0];
}

/**
 * Per model channel, the model value of each 8-bit pixel value: 256 entries per channel, so a
 * whole image costs one lookup per value instead of a division.
 */
export function channelTables(
  config: Pick<PreprocessConfig, 'range' | 'mean' | 'std' | 'channelOrder'>,
): [Float32Array, Float32Array, Float32Array] {
  const table = (source: 0 | 1 | 2): Float32Array =>
    Float32Array.from({ length: 256 }, (_, p) => normalisePixel(p, source, config));
  const [c0, c1, c2] = sourceChannels(config.channelOrder);
  return [table(c0), table(c1), table(c2)];
}

/**
 * Writes one RGB interleaved image (height x width x 3 bytes) as sample `index` of a batch tensor
 * in the model's layout: NCHW planes [c][y][x], or NHWC pixels [y][x][c].
 */
export function writeImageTensor(
  pixels: Uint8Array,
  height: number,
  width: number,
  config: Pick<PreprocessConfig, 'layout' | 'range' | 'mean' | 'std' | 'channelOrder'>,
  out: Float32Array,
  index: number,
): void {
  const area = height * width;
  if (pixels.length !== area * 3) {
    throw new RangeError(
      `${pixels.length} bytes for a ${width}x${height} RGB image (${area * 3} needed)`,
    );
  }
  const base = index * area * 3;
  if (base + area * 3 > out.length) {
    throw new RangeError(`sample ${index} does not fit a tensor of ${out.length} values`);
  }
  const [t0, t1, t2] = channelTables(config);
  const [src0, src1, src2] = sourceChannels(config.channelOrder);
  if (config.layout === 'NCHW') {
    for (let i = 0; i < area; i++) {
      const p = i * 3;
      out[base + i] = t0[pixels[p + src0] ?? 0] ?? 0;
      out[base + area + i] = t1[pixels[p + src1] ?? 0] ?? 0;
      out[base + 2 * area + i] = t2[pixels[p + src2] ?? 0] ?? 0;
    }
  } else {
    for (let i = 0; i < area; i++) {
      const p = i * 3;
      out[base + p] = t0[pixels[p + src0] ?? 0] ?? 0;
      out[base + p + 1] = t1[pixels[p + src1] ?? 0] ?? 0;
      out[base + p + 2] = t2[pixels[p + src2] ?? 0] ?? 0;
    }
  }
}

/**
 * A batch tensor of `count` samples padded to `size` samples by repeating the last one: a model
 * with a fixed batch must get exactly that many, and a real image (unlike zeros) keeps the
 * padding inside the range the model was trained on. The padded outputs are dropped.
 */
export function padBatch(data: Float32Array, count: number, size: number): Float32Array {
  if (count === size) return data;
  if (count < 1 || count > size || data.length % count !== 0) {
    throw new RangeError(`cannot pad ${count} samples (${data.length} values) to ${size}`);
  }
  const sample = data.length / count;
  const out = new Float32Array(sample * size);
  out.set(data);
  const last = data.subarray((count - 1) * sample);
  for (let i = count; i < size; i++) out.set(last, i * sample);
  return out;
}

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
 * Batch tensors kept for reuse by one classifier: a run's input is written into a buffer that an
 * earlier run of the same size used, instead of fresh memory. Fresh memory is costly where the
 * first touch of each page traps to the hypervisor: 11 us a 4 KiB page on the 2-core VM of
 * npm run bench, about 25 ms for one 16-image batch at 224 px (9.6 MB). Reusing two buffers made
 * raw inference of 1,100 images there 3-12% faster, of 21 images about 20%. At most `keep`
 * buffers are held.
 */
export class BatchBuffers {
  private readonly free: Float32Array[] = [];

  constructor(private readonly keep = 2) {}

  /** A buffer of `length` values: a kept one (with the values of its last use), else a new one. */
  take(length: number): Float32Array {
    const i = this.free.findIndex((b) => b.length === length);
    return i < 0 ? new Float32Array(length) : (this.free.splice(i, 1)[0] as Float32Array);
  }

  /** Gives back a buffer that nothing reads any more; the oldest kept one goes when full. */
  give(buffer: Float32Array): void {
    if (this.free.includes(buffer)) return;
    this.free.push(buffer);
    if (this.free.length > this.keep) this.free.shift();
  }

  /** Drops every kept buffer. */
  clear(): void {
    this.free.length = 0;
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

/**
 * As padBatch, in a tensor with room for `size` samples whose first `count` are written: samples
 * `count` to `size - 1` become copies of sample `count - 1`.
 */
export function padInPlace(slots: Float32Array, count: number, size: number): Float32Array {
  if (count < 1 || count > size || slots.length % size !== 0) {
    throw new RangeError(`cannot pad ${count} samples to ${size} in ${slots.length} values`);
  }
  const sample = slots.length / size;
  const last = slots.subarray((count - 1) * sample, count * sample);
  for (let i = count; i < size; i++) slots.set(last, i * sample);
  return slots;
}

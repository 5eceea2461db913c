// Small images and image files built by hand for the editor and image tests: every byte is known,
// so expected values can be computed by hand.
import { crc32, deflateSync } from 'node:zlib';

import type { GrayImage, RgbImage } from '../../../src/extension/images/image';
import { Rng } from '../../../src/extension/measures/rng';

/** An RGB image from rows of [r, g, b] pixels, top row first. */
export function rgbFrom(
  rows: readonly (readonly (readonly [number, number, number])[])[],
): RgbImage {
  const height = rows.length;
  const width = rows[0]?.length ?? 0;
  return { width, height, data: Uint8Array.from(rows.flat(2)) };
}

/** A gray image (mask) from rows of values. */
export function grayFrom(rows: readonly (readonly number[])[]): GrayImage {
  return { width: rows[0]?.length ?? 0, height: rows.length, data: Uint8Array.from(rows.flat()) };
}

/** A width x height RGB image of one colour. */
export function solid(
  width: number,
  height: number,
  rgb: readonly [number, number, number],
): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(rgb, i);
  return { width, height, data };
}

/** Seeded random bytes, with 0 and 255 planted at the start so the extremes are always covered. */
export function randomRgb(width: number, height: number, seed: number): RgbImage {
  const rng = new Rng(seed, 1);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.nextBelow(256);
  data.set([0, 0, 0, 255, 255, 255, 255, 0, 0].slice(0, data.length));
  return { width, height, data };
}

/** A mask with the left `inside` columns at 255 and the rest 0. */
export function leftMask(width: number, height: number, inside: number): GrayImage {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) data.fill(255, y * width, y * width + inside);
  return { width, height, data };
}

/** The RGB triple of pixel (x, y). */
export function pixel(image: RgbImage, x: number, y: number): [number, number, number] {
  const i = (y * image.width + x) * 3;
  return [image.data[i] ?? -1, image.data[i + 1] ?? -1, image.data[i + 2] ?? -1];
}

/** Mean of all bytes (0..255). */
export function meanByte(image: RgbImage): number {
  let sum = 0;
  for (const v of image.data) sum += v;
  return sum / image.data.length;
}

/** Everything an async iterable yields. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Options of a hand-built BMP file. */
export interface BmpSpec {
  readonly width: number;
  readonly height: number;
  readonly bitsPerPixel: 24 | 32;
  /** Rows top first; [r, g, b] or [r, g, b, a]. */
  readonly rows: readonly (readonly number[])[][];
  readonly topDown?: boolean;
  /** 12 (core), 40 (info), 56 (V3), 108 (V4) or 124 (V5); default 40. */
  readonly headerSize?: number;
  /** 0 (BI_RGB), 3 (BI_BITFIELDS) or 6 (BI_ALPHABITFIELDS); default 0. */
  readonly compression?: number;
  /** Channel masks for bit fields (default 0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000). */
  readonly masks?: { r: number; g: number; b: number; a: number };
  /** Bits per pixel written in the header, to build unsupported files (default bitsPerPixel). */
  readonly headerBits?: number;
}

/**
 * Writes a BMP byte by byte as the format describes it (file header, DIB header, masks, rows
 * padded to 4 bytes, bottom row first unless top-down), independent of the decoder under test.
 */
export function bmpBytes(spec: BmpSpec): Uint8Array {
  const headerSize = spec.headerSize ?? 40;
  const compression = spec.compression ?? 0;
  const masks = spec.masks ?? { r: 0x00ff0000, g: 0x0000ff00, b: 0x000000ff, a: 0xff000000 };
  const maskBytes =
    headerSize === 40 && compression === 3 ? 12 : headerSize === 40 && compression === 6 ? 16 : 0;
  const dataOffset = 14 + headerSize + maskBytes;
  const stride = Math.ceil((spec.bitsPerPixel * spec.width) / 32) * 4;
  const size = dataOffset + stride * spec.height;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes[0] = 0x42;
  bytes[1] = 0x4d;
  view.setUint32(2, size, true);
  view.setUint32(10, dataOffset, true);
  view.setUint32(14, headerSize, true);
  if (headerSize === 12) {
    view.setUint16(18, spec.width, true);
    view.setUint16(20, spec.height, true);
    view.setUint16(22, 1, true);
    view.setUint16(24, spec.headerBits ?? spec.bitsPerPixel, true);
  } else {
    view.setInt32(18, spec.width, true);
    view.setInt32(22, spec.topDown === true ? -spec.height : spec.height, true);
    view.setUint16(26, 1, true);
    view.setUint16(28, spec.headerBits ?? spec.bitsPerPixel, true);
    view.setUint32(30, compression, true);
    view.setUint32(34, stride * spec.height, true);
    if (headerSize >= 52 || maskBytes > 0) {
      view.setUint32(54, masks.r, true);
      view.setUint32(58, masks.g, true);
      view.setUint32(62, masks.b, true);
    }
    if (headerSize >= 56 || maskBytes === 16) view.setUint32(66, masks.a, true);
  }
  for (let y = 0; y < spec.height; y++) {
    const fileRow = spec.topDown === true ? y : spec.height - 1 - y;
    const row = spec.rows[y] ?? [];
    for (let x = 0; x < spec.width; x++) {
      const [r = 0, g = 0, b = 0, a = 0] = row[x] ?? [];
      const at = dataOffset + fileRow * stride + x * (spec.bitsPerPixel / 8);
      if (spec.bitsPerPixel === 24) {
        bytes.set([b, g, r], at);
      } else {
        let value = 0;
        for (const [c, mask] of [
          [r, masks.r],
          [g, masks.g],
          [b, masks.b],
          [a, masks.a],
        ] as const) {
          if (mask === 0) continue;
          const shift = 31 - Math.clz32(mask & -mask);
          const max = mask >>> shift;
          value += Math.round((c * max) / 255) * 2 ** shift;
        }
        view.setUint32(at, value, true);
      }
    }
  }
  return bytes;
}

/** PNG colour types used by the tests: gray, RGB, gray + alpha, RGBA. */
export type PngColourType = 0 | 2 | 4 | 6;

/**
 * Writes a PNG by hand (IHDR, one zlib IDAT with filter 0 rows, IEND), so 16-bit and gray-alpha
 * files exist without trusting the encoder of the library under test. `samples` are row-major
 * channel values in the file's bit depth.
 */
export function pngBytes(
  width: number,
  height: number,
  bitDepth: 8 | 16,
  colourType: PngColourType,
  samples: readonly number[],
): Buffer {
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colourType];
  const bytesPerSample = bitDepth / 8;
  const rowBytes = width * channels * bytesPerSample;
  const raw = Buffer.alloc((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < width * channels; i++) {
      const value = samples[y * width * channels + i] ?? 0;
      const at = y * (rowBytes + 1) + 1 + i * bytesPerSample;
      if (bitDepth === 16) raw.writeUInt16BE(value, at);
      else raw[at] = value;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colourType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

// Small PNGs for reports, without sharp: the report is rendered in the inference child, in the
// extension host and in the plain CLI, and only the child has natives. A PNG is decoded scanline
// by scanline (pngCheck.ts checks it on the way) into an area average of at most `maxSide` pixels
// on its long side, then encoded again as 8-bit RGBA with node:zlib.

import { scaledSize } from '../images/downscale';
import { pngFile } from '../images/pngFile';
import {
  inflatePng,
  parsePng,
  pngPasses,
  rowBytes,
  bitsPerPixel,
  type ParsedPng,
} from './pngCheck';

/** An 8-bit RGBA image. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  /** width x height x 4 bytes, row by row. */
  readonly data: Uint8Array;
}

/**
 * The PNG as it may be embedded in a report: the original bytes when it is already small
 * (at most `maxSide` pixels a side and `maxBytes` bytes), else an area-averaged copy of at most
 * `maxSide` pixels on its long side. Either way the bytes were decoded first: an undecodable
 * file throws a PngError naming `name`.
 */
export function reportPng(
  bytes: Uint8Array,
  name: string,
  limits: { readonly maxSide: number; readonly maxBytes: number },
): Uint8Array {
  const png = parsePng(bytes, name);
  const { width, height } = png.header;
  const target = scaledSize(width, height, limits.maxSide);
  if (target.width === width && target.height === height && bytes.length <= limits.maxBytes) {
    inflatePng(png, name); // decodable, not only well-formed
    return bytes;
  }
  return encodePng(decodeScaled(png, name, target));
}

/** Decodes a parsed PNG into an area average of `target` pixels. */
function decodeScaled(
  png: ParsedPng,
  name: string,
  target: { readonly width: number; readonly height: number },
): RgbaImage {
  const { header } = png;
  const tw = target.width;
  const th = target.height;
  // Colour sums weighted by alpha (so transparent pixels do not darken edges), alpha sums, counts.
  const sums = new Float64Array(tw * th * 4);
  const counts = new Uint32Array(tw * th);
  const raw = inflatePng(png, name);
  const bpp = Math.max(1, bitsPerPixel(header) >> 3);
  const pixel = pixelReader(png);
  // 8-bit RGB and RGBA, what propsweep writes, are read straight from the row (12 megapixels in
  // well under a second); other kinds go through pixelReader.
  const direct = header.bitDepth === 8 && (header.colourType === 2 || header.colourType === 6);
  const channels = header.colourType === 6 ? 4 : 3;
  let at = 0;
  for (const pass of pngPasses(header)) {
    const stride = rowBytes(header, pass.width);
    const bins = Int32Array.from({ length: pass.width }, (_, x) =>
      Math.min(tw - 1, Math.floor(((pass.x0 + x * pass.dx) * tw) / header.width)),
    );
    let prior: Uint8Array = new Uint8Array(stride - 1);
    for (let y = 0; y < pass.height; y++, at += stride) {
      const row = unfilter(raw[at] ?? 0, raw.subarray(at + 1, at + stride), prior, bpp);
      const by = Math.min(th - 1, Math.floor(((pass.y0 + y * pass.dy) * th) / header.height));
      for (let x = 0; x < pass.width; x++) {
        let r: number, g: number, b: number, a: number;
        if (direct) {
          const p = x * channels;
          r = row[p] ?? 0;
          g = row[p + 1] ?? 0;
          b = row[p + 2] ?? 0;
          a = channels === 4 ? (row[p + 3] ?? 0) : 255;
        } else {
          [r, g, b, a] = pixel(row, x);
        }
        const bin = by * tw + (bins[x] ?? 0);
        const s = bin * 4;
        sums[s] = (sums[s] ?? 0) + r * a;
        sums[s + 1] = (sums[s + 1] ?? 0) + g * a;
        sums[s + 2] = (sums[s + 2] ?? 0) + b * a;
        sums[s + 3] = (sums[s + 3] ?? 0) + a;
        counts[bin] = (counts[bin] ?? 0) + 1;
      }
      prior = row;
    }
  }
  const data = new Uint8Array(tw * th * 4);
  for (let bin = 0; bin < tw * th; bin++) {
    const alpha = sums[bin * 4 + 3] ?? 0;
    const n = counts[bin] ?? 0;
    for (let c = 0; c < 3; c++)
      data[bin * 4 + c] = alpha > 0 ? Math.round((sums[bin * 4 + c] ?? 0) / alpha) : 0;
    data[bin * 4 + 3] = n > 0 ? Math.round(alpha / n) : 0;
  }
  return { width: tw, height: th, data };
}

/** Reverses a scanline's filter (PNG spec, section 9) into a new row. */
function unfilter(filter: number, line: Uint8Array, prior: Uint8Array, bpp: number): Uint8Array {
  const out = new Uint8Array(line);
  const n = out.length;
  if (filter === 1) {
    for (let i = bpp; i < n; i++) out[i] = ((out[i] as number) + (out[i - bpp] as number)) & 0xff;
  } else if (filter === 2) {
    for (let i = 0; i < n; i++) out[i] = ((out[i] as number) + (prior[i] as number)) & 0xff;
  } else if (filter === 3) {
    for (let i = 0; i < n; i++) {
      const a = i >= bpp ? (out[i - bpp] as number) : 0;
      out[i] = ((out[i] as number) + ((a + (prior[i] as number)) >> 1)) & 0xff;
    }
  } else if (filter === 4) {
    for (let i = 0; i < n; i++) {
      const a = i >= bpp ? (out[i - bpp] as number) : 0;
      const b = prior[i] as number;
      const c = i >= bpp ? (prior[i - bpp] as number) : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      out[i] = ((out[i] as number) + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
    }
  }
  return out;
}

/** Reads pixel x of an unfiltered row as 8-bit RGBA, for any colour type and bit depth. */
function pixelReader(
  png: ParsedPng,
): (row: Uint8Array, x: number) => readonly [number, number, number, number] {
  const { bitDepth, colourType } = png.header;
  const channels = bitsPerPixel(png.header) / bitDepth;
  const sample = (row: Uint8Array, x: number, c: number): number => {
    if (bitDepth === 16) return row[(x * channels + c) * 2] ?? 0; // the high byte
    if (bitDepth === 8) return row[x * channels + c] ?? 0;
    const perByte = 8 / bitDepth;
    const byte = row[Math.floor(x / perByte)] ?? 0;
    const shift = 8 - bitDepth * ((x % perByte) + 1);
    return (byte >> shift) & ((1 << bitDepth) - 1);
  };
  const grey = (v: number): number =>
    bitDepth < 8 ? Math.round((v * 255) / ((1 << bitDepth) - 1)) : v;
  switch (colourType) {
    case 0:
      return (row, x) => {
        const v = grey(sample(row, x, 0));
        return [v, v, v, 255];
      };
    case 2:
      return (row, x) => [sample(row, x, 0), sample(row, x, 1), sample(row, x, 2), 255];
    case 3:
      return (row, x) => {
        const k = sample(row, x, 0);
        const p = png.palette;
        return [
          p?.[k * 3] ?? 0,
          p?.[k * 3 + 1] ?? 0,
          p?.[k * 3 + 2] ?? 0,
          png.paletteAlpha?.[k] ?? 255,
        ];
      };
    case 4:
      return (row, x) => {
        const v = sample(row, x, 0);
        return [v, v, v, sample(row, x, 1)];
      };
    default:
      return (row, x) => [
        sample(row, x, 0),
        sample(row, x, 1),
        sample(row, x, 2),
        sample(row, x, 3),
      ];
  }
}

/** Encodes 8-bit RGBA as a PNG: RGB when every pixel is opaque, no filter (thumbnails are small). */
export function encodePng(image: RgbaImage): Uint8Array {
  const { width, height, data } = image;
  let opaque = true;
  for (let i = 3; i < data.length && opaque; i += 4) opaque = data[i] === 255;
  const channels = opaque ? 3 : 4;
  const stride = width * channels;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0, at = 0; y < height; y++) {
    at++; // filter byte 0: none
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      for (let c = 0; c < channels; c++) raw[at++] = data[p + c] ?? 0;
    }
  }
  return pngFile(width, height, channels, raw, 6);
}

// A small BMP decoder: sharp's prebuilt libvips has no BMP loader, and BMP is still what some
// microscopy and dermoscopy tools export. Uncompressed 24-bit and 32-bit only (BI_RGB and
// BI_BITFIELDS), bottom-up and top-down; anything else is refused with what to do instead.
import { ImageInputError } from './errors';
import { colourOf, type RawImage } from './raw';

const FILE_HEADER = 14;
const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;
/** DIB header sizes propsweep reads: CORE, INFO, V2, V3, V4, V5. */
const HEADER_SIZES = new Set([12, 40, 52, 56, 108, 124]);
const REEXPORT = 'Re-export it as PNG (or as a 24-bit BMP).';

/** What a BMP header says about its pixels. */
export interface BmpHeader {
  readonly width: number;
  readonly height: number;
  /** Rows stored top row first (negative height in the file). */
  readonly topDown: boolean;
  readonly bitsPerPixel: 24 | 32;
  /** Byte offset of the first stored row. */
  readonly dataOffset: number;
  /** Bytes per stored row, padded to a multiple of 4. */
  readonly stride: number;
  /** Channel masks of a 32-bit pixel read as a little-endian uint32 (alpha 0: none). */
  readonly masks: {
    readonly r: number;
    readonly g: number;
    readonly b: number;
    readonly a: number;
  };
}

/** Whether the bytes start like a BMP file ("BM"). */
export function isBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

/** Parses and checks the headers; throws ImageInputError for unsupported or damaged files. */
export function readBmpHeader(bytes: Uint8Array): BmpHeader {
  if (!isBmp(bytes)) throw new ImageInputError(`is not a BMP file (no "BM" signature).`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < FILE_HEADER + 4) throw truncatedHeader(bytes.length);
  const dataOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(FILE_HEADER, true);
  if (!HEADER_SIZES.has(headerSize)) {
    throw new ImageInputError(
      `has a BMP header of ${headerSize} bytes, which propsweep does not read (it reads the Windows BMP headers of 12, 40, 52, 56, 108 and 124 bytes). ${REEXPORT}`,
    );
  }
  if (bytes.length < FILE_HEADER + headerSize) throw truncatedHeader(bytes.length);
  let width: number;
  let height: number;
  let bitsPerPixel: number;
  let compression = BI_RGB;
  if (headerSize === 12) {
    width = view.getUint16(18, true);
    height = view.getUint16(20, true);
    bitsPerPixel = view.getUint16(24, true);
  } else {
    width = view.getInt32(18, true);
    height = view.getInt32(22, true);
    bitsPerPixel = view.getUint16(28, true);
    compression = view.getUint32(30, true);
  }
  const topDown = height < 0;
  height = Math.abs(height);
  if (width < 1 || height < 1) {
    throw new ImageInputError(
      `is a damaged BMP: its header gives a size of ${width}x${height}. ${REEXPORT}`,
    );
  }
  if (bitsPerPixel !== 24 && bitsPerPixel !== 32) {
    const kind = bitsPerPixel <= 8 ? ' (palette)' : '';
    throw new ImageInputError(
      `is a ${bitsPerPixel}-bit${kind} BMP; propsweep reads uncompressed 24- and 32-bit BMP only. ${REEXPORT}`,
    );
  }
  let masks = { r: 0x00ff0000, g: 0x0000ff00, b: 0x000000ff, a: 0 };
  if (bitsPerPixel === 32) {
    // In BI_RGB the fourth byte is "reserved"; many writers store alpha there anyway. As browsers
    // do, it is read as alpha, and an all-zero alpha channel is taken as opaque (decodeBmp).
    masks.a = 0xff000000;
  }
  if (compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS) {
    if (bitsPerPixel !== 32) {
      throw new ImageInputError(
        `is a damaged BMP: bit-field masks with ${bitsPerPixel} bits per pixel. ${REEXPORT}`,
      );
    }
    // The masks sit in the V2+ header, or right after a 40-byte header: the same offsets.
    const hasAlphaMask = headerSize >= 56 || compression === BI_ALPHABITFIELDS;
    if (bytes.length < 66 + (hasAlphaMask ? 4 : 0)) throw truncatedHeader(bytes.length);
    masks = {
      r: view.getUint32(54, true),
      g: view.getUint32(58, true),
      b: view.getUint32(62, true),
      a: hasAlphaMask ? view.getUint32(66, true) : 0,
    };
    for (const [name, mask] of Object.entries(masks)) {
      if (mask !== 0 && !isContiguous(mask)) {
        throw new ImageInputError(
          `is a BMP whose ${name} bit mask 0x${mask.toString(16)} is not one run of bits, which propsweep does not read. ${REEXPORT}`,
        );
      }
    }
  } else if (compression !== BI_RGB) {
    const names: Record<number, string> = { 1: 'RLE8', 2: 'RLE4', 4: 'JPEG', 5: 'PNG' };
    throw new ImageInputError(
      `is a compressed BMP (${names[compression] ?? `compression ${compression}`}); propsweep reads uncompressed 24- and 32-bit BMP only. ${REEXPORT}`,
    );
  }
  const stride = Math.floor((bitsPerPixel * width + 31) / 32) * 4;
  return { width, height, topDown, bitsPerPixel, dataOffset, stride, masks };
}

/**
 * Decodes an uncompressed 24- or 32-bit BMP into RGB, or RGBA when it has a non-zero alpha
 * channel. `maxPixels` is checked before any pixel memory is allocated.
 */
export function decodeBmp(bytes: Uint8Array, options: { maxPixels?: number } = {}): RawImage {
  const header = readBmpHeader(bytes);
  const { width, height, topDown, bitsPerPixel, dataOffset, stride } = header;
  if (options.maxPixels !== undefined && width * height > options.maxPixels) {
    throw new ImageInputError(pixelLimitMessage(width, height, options.maxPixels));
  }
  const bytesPerPixel = bitsPerPixel / 8;
  // The last row's padding may be missing in files from careless writers; its pixels may not.
  const needed = dataOffset + stride * (height - 1) + width * bytesPerPixel;
  if (needed > bytes.length) {
    throw new ImageInputError(
      `is truncated: its header promises ${width}x${height} pixels (${needed - dataOffset} bytes from byte ${dataOffset}), but the file has ${bytes.length} bytes. Re-export it, or copy it again if the transfer was cut short.`,
    );
  }
  if (bitsPerPixel === 24) {
    const data = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      let i = dataOffset + (topDown ? y : height - 1 - y) * stride;
      let o = y * width * 3;
      for (let x = 0; x < width; x++, i += 3, o += 3) {
        data[o] = bytes[i + 2] as number;
        data[o + 1] = bytes[i + 1] as number;
        data[o + 2] = bytes[i] as number;
      }
    }
    return { width, height, channels: 3, data };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = channelReader(header.masks.r);
  const g = channelReader(header.masks.g);
  const b = channelReader(header.masks.b);
  const a = header.masks.a === 0 ? undefined : channelReader(header.masks.a);
  const data = new Uint8Array(width * height * 4);
  let anyAlpha = false;
  for (let y = 0; y < height; y++) {
    let i = dataOffset + (topDown ? y : height - 1 - y) * stride;
    let o = y * width * 4;
    for (let x = 0; x < width; x++, i += 4, o += 4) {
      const pixel = view.getUint32(i, true);
      data[o] = r(pixel);
      data[o + 1] = g(pixel);
      data[o + 2] = b(pixel);
      const alpha = a === undefined ? 0 : a(pixel);
      data[o + 3] = alpha;
      if (alpha !== 0) anyAlpha = true;
    }
  }
  const rgba: RawImage = { width, height, channels: 4, data };
  // An all-zero alpha channel means the writer left the byte unused, not an invisible image.
  return anyAlpha ? rgba : { ...colourOf(rgba), channels: 3 };
}

/** The message for an image over the pixel limit (shared with the sharp path). */
export function pixelLimitMessage(width: number, height: number, maxPixels: number): string {
  return `is ${width}x${height} = ${(width * height).toLocaleString('en-US')} pixels, more than the limit of ${maxPixels.toLocaleString('en-US')}. Downscale it (a classifier sees a few hundred pixels a side) or raise the pixel limit.`;
}

function truncatedHeader(length: number): ImageInputError {
  return new ImageInputError(
    `is truncated: the file (${length} bytes) ends inside its BMP header. Re-export it, or copy it again if the transfer was cut short.`,
  );
}

function isContiguous(mask: number): boolean {
  const shifted = mask >>> trailingZeros(mask);
  return (shifted & (shifted + 1)) === 0;
}

function trailingZeros(mask: number): number {
  return 31 - Math.clz32(mask & -mask);
}

/** Extracts one masked channel from a pixel and scales it to 0..255. */
function channelReader(mask: number): (pixel: number) => number {
  const shift = trailingZeros(mask);
  const max = mask >>> shift;
  if (max === 255) return (pixel) => (pixel & mask) >>> shift;
  return (pixel) => Math.round((((pixel & mask) >>> shift) * 255) / max);
}

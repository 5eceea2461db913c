// Checks that bytes are a PNG that decodes, without sharp: the extension host loads no natives,
// and a frame of a result from someone else is embedded into exports only once it is known to be
// an image (a `.env` renamed 000.png is not). Structure, CRC of every chunk, a bounded IHDR, and
// the image data inflated with node:zlib to exactly the size the header promises, every scanline
// with a valid filter: what a decoder needs to draw every pixel.
import { crc32, inflate, inflateSync } from 'node:zlib';
import { promisify } from 'node:util';

const inflateAsync = promisify(inflate);

/** Bytes that are not a PNG propsweep can decode; the message names the file and what is wrong. */
export class PngError extends Error {
  override readonly name = 'PngError';
}

/** Bounds on a PNG read from a result: the frames propsweep writes stay far below them. */
export const PNG_LIMITS = {
  /** Bytes of the file (a 50-megapixel RGB frame deflates to well under this). */
  bytes: 256 * 1024 * 1024,
  /** Pixels, width x height: the images propsweep reads (DEFAULT_MAX_PIXELS in io.ts). */
  pixels: 50_000_000,
} as const;

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** What IHDR says. */
export interface PngHeader {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: number;
  /** 0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA. */
  readonly colourType: number;
  readonly interlaced: boolean;
}

/** A PNG's chunks, checked, with its image data still compressed. */
export interface ParsedPng {
  readonly header: PngHeader;
  /** PLTE entries as RGB triples (palette images only). */
  readonly palette: Uint8Array | null;
  /** tRNS of a palette image: alpha per palette entry. */
  readonly paletteAlpha: Uint8Array | null;
  /** The concatenated IDAT chunks. */
  readonly data: Buffer;
}

/** A sub-image of the scanline data: the whole image, or one of the seven Adam7 passes. */
export interface PngPass {
  readonly x0: number;
  readonly y0: number;
  readonly dx: number;
  readonly dy: number;
  readonly width: number;
  readonly height: number;
}

const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Readonly<Record<number, readonly number[]>> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

function fail(name: string, reason: string): never {
  throw new PngError(`${name} is not a decodable PNG: ${reason}.`);
}

/**
 * Reads the chunk structure of `bytes`: the signature, every chunk's length and CRC, IHDR first
 * and within PNG_LIMITS, a palette where one is needed, IDAT present, IEND last. Throws a
 * PngError naming `name` and what is wrong.
 */
export function parsePng(bytes: Uint8Array, name: string): ParsedPng {
  if (bytes.length > PNG_LIMITS.bytes)
    fail(name, `it has ${bytes.length} bytes, more than the limit of ${PNG_LIMITS.bytes}`);
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b))
    fail(name, 'it does not start with the PNG signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: PngHeader | undefined;
  let palette: Uint8Array | null = null;
  let paletteAlpha: Uint8Array | null = null;
  const data: Uint8Array[] = [];
  let ended = false;
  let previous = '';
  for (let at = 8; !ended;) {
    if (at + 12 > bytes.length) fail(name, 'it is truncated (a chunk is cut off)');
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (!/^[A-Za-z]{4}$/.test(type))
      fail(name, `a chunk has the invalid type ${JSON.stringify(type)}`);
    if (length > bytes.length - at - 12) fail(name, `its ${type} chunk is truncated`);
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== view.getUint32(at + 8 + length))
      fail(name, `the CRC of its ${type} chunk is wrong (the file is corrupt)`);
    if (header === undefined && type !== 'IHDR') fail(name, 'IHDR is not its first chunk');
    switch (type) {
      case 'IHDR':
        if (header !== undefined) fail(name, 'it has two IHDR chunks');
        header = readHeader(body, name);
        break;
      case 'PLTE':
        if (length % 3 !== 0 || length === 0 || length > 768)
          fail(name, 'its palette is malformed');
        palette = body;
        break;
      case 'tRNS':
        if (header?.colourType === 3) paletteAlpha = body;
        break;
      case 'IDAT':
        if (data.length > 0 && previous !== 'IDAT')
          fail(name, 'its IDAT chunks are not consecutive');
        data.push(body);
        break;
      case 'IEND':
        ended = true;
        break;
      default:
        // An unknown critical chunk (upper-case first letter) means a decoder must give up.
        if (type.charCodeAt(0) < 0x61) fail(name, `it has the unknown critical chunk ${type}`);
    }
    previous = type;
    at += 12 + length;
  }
  if (header === undefined) fail(name, 'it has no IHDR chunk');
  if (data.length === 0) fail(name, 'it has no image data (IDAT)');
  if (header.colourType === 3) {
    if (palette === null) fail(name, 'it is a palette image without a palette');
    if (palette.length / 3 > 2 ** header.bitDepth)
      fail(name, 'its palette has more entries than its bit depth allows');
  }
  return { header, palette, paletteAlpha, data: Buffer.concat(data) };
}

function readHeader(body: Uint8Array, name: string): PngHeader {
  if (body.length !== 13) fail(name, 'its IHDR chunk is malformed');
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const width = view.getUint32(0);
  const height = view.getUint32(4);
  const bitDepth = body[8] ?? 0;
  const colourType = body[9] ?? 0;
  const interlace = body[12] ?? 0;
  if (width === 0 || height === 0) fail(name, `it is ${width}x${height} pixels`);
  if (width * height > PNG_LIMITS.pixels)
    fail(
      name,
      `it is ${width}x${height} pixels, more than the limit of ${PNG_LIMITS.pixels.toLocaleString('en-US')}`,
    );
  if (DEPTHS[colourType]?.includes(bitDepth) !== true)
    fail(name, `colour type ${colourType} with bit depth ${bitDepth} is not valid`);
  if ((body[10] ?? 1) !== 0 || (body[11] ?? 1) !== 0 || interlace > 1)
    fail(name, 'its IHDR names an unknown compression, filter or interlace method');
  return { width, height, bitDepth, colourType, interlaced: interlace === 1 };
}

/** Bits per pixel of the scanline data. */
export function bitsPerPixel(header: PngHeader): number {
  return (CHANNELS[header.colourType] ?? 1) * header.bitDepth;
}

/** The sub-images whose scanlines make up the data, in order (empty passes left out). */
export function pngPasses(header: PngHeader): PngPass[] {
  const { width, height } = header;
  if (!header.interlaced) return [{ x0: 0, y0: 0, dx: 1, dy: 1, width, height }];
  return ADAM7.map(([x0, y0, dx, dy]) => ({
    x0,
    y0,
    dx,
    dy,
    width: Math.ceil((width - x0) / dx),
    height: Math.ceil((height - y0) / dy),
  })).filter((p) => p.width > 0 && p.height > 0);
}

/** Bytes of one scanline of a pass, its filter byte included. */
export function rowBytes(header: PngHeader, passWidth: number): number {
  return 1 + Math.ceil((passWidth * bitsPerPixel(header)) / 8);
}

/** The inflated size the header promises. */
function expectedSize(header: PngHeader): number {
  return pngPasses(header).reduce((sum, p) => sum + p.height * rowBytes(header, p.width), 0);
}

/** Inflates the image data, bounded by and equal to the size the header promises. */
export function inflatePng(png: ParsedPng, name: string): Buffer {
  const expected = expectedSize(png.header);
  let raw: Buffer;
  try {
    raw = inflateSync(png.data, { maxOutputLength: expected + 1 });
  } catch (error) {
    inflateFailed(png.header, error, name);
  }
  checkScanlines(png.header, raw, expected, name);
  return raw;
}

/**
 * Checks that `bytes` are a PNG that decodes (see the module comment); returns its header. The
 * inflating runs off the main thread, so the extension host stays responsive.
 */
export async function checkPng(bytes: Uint8Array, name: string): Promise<PngHeader> {
  const png = parsePng(bytes, name);
  const expected = expectedSize(png.header);
  let raw: Buffer;
  try {
    raw = await inflateAsync(png.data, { maxOutputLength: expected + 1 });
  } catch (error) {
    inflateFailed(png.header, error, name);
  }
  checkScanlines(png.header, raw, expected, name);
  return png.header;
}

function inflateFailed(header: PngHeader, error: unknown, name: string): never {
  // zlib stops at maxOutputLength: more data than the header's pixels (a bomb, or corrupt).
  if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') tooMuch(header, name);
  fail(name, `its image data does not inflate (${(error as Error).message})`);
}

function tooMuch(header: PngHeader, name: string): never {
  fail(name, `its image data has more bytes than ${header.width}x${header.height} pixels need`);
}

function checkScanlines(header: PngHeader, raw: Buffer, expected: number, name: string): void {
  if (raw.length > expected) tooMuch(header, name);
  if (raw.length < expected)
    fail(
      name,
      `its image data has fewer bytes than ${header.width}x${header.height} pixels need (truncated or corrupt)`,
    );
  let at = 0;
  for (const pass of pngPasses(header)) {
    const stride = rowBytes(header, pass.width);
    for (let y = 0; y < pass.height; y++, at += stride) {
      if ((raw[at] ?? 5) > 4) fail(name, `scanline ${y} has an unknown filter`);
    }
  }
}

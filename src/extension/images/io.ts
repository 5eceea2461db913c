// Reading images and masks from disk, and encoding frames (pngFile.ts). sharp decodes PNG, JPEG
// and WebP; BMP goes through bmp.ts because sharp's prebuilt libvips has no BMP loader. Every
// failure is an ImageInputError that names the file and says what to do.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';

import type { Metadata } from 'sharp';

import { formatSize } from '../../shared/format';
import { loadSharp } from '../natives/natives';
import { decodeBmp, pixelLimitMessage, readBmpHeader } from './bmp';
import { ImageInputError } from './errors';
import { READABLE_FORMATS, sniffFormat, type ImageFormat } from './formats';
import { checkImageShape, type GrayImage, type RgbImage } from './image';
import { rgbPng } from './pngFile';
import {
  alphaOf,
  colourOf,
  flattenOnWhite,
  hasTransparency,
  luminanceOf,
  type RawImage,
} from './raw';

/** Largest image read by default, in pixels (width x height): 50 megapixels. */
export const DEFAULT_MAX_PIXELS = 50_000_000;

/**
 * Largest image file read, in bytes: 50 megapixels of 16-bit RGBA stored uncompressed take 400 MB.
 * A file named like an image can be anything (a folder run lists whatever the folder holds), and is
 * read whole before its header is looked at.
 */
export const MAX_IMAGE_BYTES = 512 * 1024 ** 2;

/** Options for reading an image. */
export interface ReadOptions {
  /** Refuse images with more pixels than this (default DEFAULT_MAX_PIXELS). */
  readonly maxPixels?: number | undefined;
}

/** A decoded image and what was done to it on the way in. */
export interface ReadImageResult {
  readonly image: RgbImage;
  readonly format: ImageFormat;
  /** Conversions applied (EXIF orientation, grayscale, 16-bit, transparency), one line each. */
  readonly notes: string[];
}

/** An image whose transparency is kept as a separate channel (overlays, where alpha is weight). */
export interface ReadImageWithAlphaResult {
  /** The stored colours, not flattened. */
  readonly image: RgbImage;
  /** The alpha channel, or null when every pixel is opaque. */
  readonly alpha: GrayImage | null;
  readonly format: ImageFormat;
  readonly notes: string[];
}

/**
 * Reads a PNG, JPEG, WebP or BMP as 8-bit RGB: turned upright by its EXIF orientation, grayscale
 * expanded to RGB, 16-bit reduced to 8-bit, transparency flattened onto white (each noted).
 */
export async function readImage(path: string, options: ReadOptions = {}): Promise<ReadImageResult> {
  const { raw, format, notes } = await decodeFile(path, options);
  if (hasTransparency(raw)) notes.push('has transparent pixels: flattened onto white');
  return { image: flattenOnWhite(raw), format, notes };
}

/**
 * readImage, with the sha256 of exactly the bytes it decoded: a file replaced between decoding
 * and hashing can never give pixels and a digest that disagree.
 */
export async function readImageHashed(
  path: string,
  options: ReadOptions = {},
): Promise<ReadImageResult & { readonly sha256: string }> {
  return decodeImageFile(await readImageFile(path), options);
}

/** An image file's bytes as read once, and their sha256. */
export interface ImageFile {
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly sha256: string;
}

/**
 * Reads an image file without decoding it: its digest tells whether it changed (a resumed folder
 * run skips the images it did) at the cost of reading, not decoding.
 */
export async function readImageFile(path: string): Promise<ImageFile> {
  const bytes = await readBytes(path);
  return { path, bytes, sha256: sha256Hex(bytes) };
}

/** readImageHashed of a file read by readImageFile: these bytes are decoded, not the file again. */
export async function decodeImageFile(
  file: ImageFile,
  options: ReadOptions = {},
): Promise<ReadImageResult & { readonly sha256: string }> {
  const { raw, format, notes } = await decodeFile(file.path, options, file.bytes);
  if (hasTransparency(raw)) notes.push('has transparent pixels: flattened onto white');
  return { image: flattenOnWhite(raw), format, notes, sha256: file.sha256 };
}

/** Reads an image like readImage but keeps its alpha channel apart instead of flattening it. */
export async function readImageWithAlpha(
  path: string,
  options: ReadOptions = {},
): Promise<ReadImageWithAlphaResult> {
  const { raw, format, notes } = await decodeFile(path, options);
  const alpha = hasTransparency(raw) ? alphaOf(raw) : null;
  return { image: colourOf(raw), alpha, format, notes };
}

/**
 * Reads a mask as one 8-bit channel (255 = inside). A mask with transparent pixels is its alpha
 * channel (a cut-out); otherwise the luminance of its colours. Its size must be `width` x `height`.
 */
export async function readMask(
  path: string,
  size: {
    readonly width: number;
    readonly height: number;
    readonly maxPixels?: number | undefined;
  },
): Promise<GrayImage> {
  return (await readMaskHashed(path, size)).image;
}

/** readMask, with the sha256 of exactly the bytes it decoded (see readImageHashed). */
export async function readMaskHashed(
  path: string,
  size: {
    readonly width: number;
    readonly height: number;
    readonly maxPixels?: number | undefined;
  },
): Promise<{ readonly image: GrayImage; readonly sha256: string }> {
  const { raw, bytes } = await decodeFile(path, { maxPixels: size.maxPixels });
  if (raw.width !== size.width || raw.height !== size.height) {
    throw new ImageInputError(
      `${path}: the mask is ${raw.width}x${raw.height} but the image is ${size.width}x${size.height}; the mask must be the image's size. Export the mask from the same image, or resize it to ${size.width}x${size.height} with nearest-neighbour scaling.`,
    );
  }
  return {
    image: hasTransparency(raw) ? alphaOf(raw) : luminanceOf(raw),
    sha256: sha256Hex(bytes),
  };
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Reads only the header: the upright size and format, for checking many files quickly. */
export async function probeImage(
  path: string,
): Promise<{ width: number; height: number; format: ImageFormat }> {
  const bytes = await readBytes(path);
  const format = formatOf(path, bytes);
  if (format === 'bmp') {
    const header = withPath(path, () => readBmpHeader(bytes));
    return { width: header.width, height: header.height, format };
  }
  const meta = await metadataOf(path, format, bytes);
  return { width: meta.autoOrient.width, height: meta.autoOrient.height, format };
}

/** Encodes an RGB image as PNG (pngFile.ts: without sharp, whose per-call cost is most of a frame's). */
export function encodePng(image: RgbImage): Promise<Buffer> {
  return rgbPng(image);
}

/** Resizes to exactly `width` x `height` (aspect ratio not kept), Lanczos-3. */
export async function resizeImage(
  image: RgbImage,
  width: number,
  height: number,
): Promise<RgbImage> {
  checkImageShape(image, 3, 'The image to resize');
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`Cannot resize to ${width}x${height}; give whole numbers >= 1.`);
  }
  const { data, info } = await loadSharp()(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

/** Decodes the file at `path`, or `read`: its bytes when they were read already. */
async function decodeFile(
  path: string,
  options: ReadOptions,
  read?: Uint8Array,
): Promise<{ raw: RawImage; format: ImageFormat; notes: string[]; bytes: Uint8Array }> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!Number.isInteger(maxPixels) || maxPixels < 1) {
    throw new RangeError(`maxPixels must be a whole number >= 1, got ${maxPixels}.`);
  }
  const bytes = read ?? (await readBytes(path));
  const format = formatOf(path, bytes);
  if (format === 'bmp') {
    return { raw: withPath(path, () => decodeBmp(bytes, { maxPixels })), format, notes: [], bytes };
  }
  const meta = await metadataOf(path, format, bytes);
  const { width, height } = meta.autoOrient;
  if (width * height > maxPixels) {
    throw new ImageInputError(`${path} ${pixelLimitMessage(width, height, maxPixels)}`);
  }
  const sharp = loadSharp();
  let decoded: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    decoded = await sharp(bytes, { failOn: 'error', limitInputPixels: maxPixels, autoOrient: true })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw undecodable(path, format, error);
  }
  const { data, info } = decoded;
  if (info.channels !== 3 && info.channels !== 4) {
    throw new Error(`sharp returned ${info.channels} channels for ${path}; expected 3 or 4.`);
  }
  return {
    raw: {
      width: info.width,
      height: info.height,
      channels: info.channels,
      data: new Uint8Array(data),
    },
    format,
    notes: conversionNotes(meta),
    bytes,
  };
}

async function readBytes(path: string): Promise<Uint8Array> {
  let size: number;
  try {
    const stats = await stat(path);
    if (stats.isDirectory()) {
      throw new ImageInputError(
        `${path} is a folder, not an image. Give a ${READABLE_FORMATS} file.`,
      );
    }
    // A FIFO reports size 0 but is no empty image, and a read of it waits for a writer; a device
    // may have no end.
    if (!stats.isFile()) {
      throw new ImageInputError(
        `${path} is not a regular file (a FIFO, a device or a socket). Give a ${READABLE_FORMATS} file.`,
      );
    }
    size = stats.size;
  } catch (error) {
    if (error instanceof ImageInputError) throw error;
    throw unreadable(path, error);
  }
  if (size > MAX_IMAGE_BYTES) {
    throw new ImageInputError(
      `${path} is larger than ${formatSize(MAX_IMAGE_BYTES)}, the limit for an image file (it has ${size.toLocaleString('en-US')} bytes). Give a smaller file (a downscaled image, or saved as PNG or JPEG).`,
    );
  }
  if (size === 0) {
    throw new ImageInputError(
      `${path} is empty (0 bytes). Re-export the image, or copy it again if the transfer was cut short.`,
    );
  }
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw unreadable(path, error);
  }
}

function unreadable(path: string, error: unknown): ImageInputError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') {
    return new ImageInputError(`${path} does not exist. Check the path and the file name.`);
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new ImageInputError(
      `${path} cannot be read: permission denied. Check the file's permissions.`,
    );
  }
  return new ImageInputError(
    `${path} cannot be read: ${error instanceof Error ? error.message : String(error)}.`,
  );
}

function formatOf(path: string, bytes: Uint8Array): ImageFormat {
  const sniffed = sniffFormat(bytes);
  if ('format' in sniffed) return sniffed.format;
  throw new ImageInputError(
    `${path} is ${sniffed.other}; propsweep reads ${READABLE_FORMATS}. Re-export it as PNG.`,
  );
}

async function metadataOf(path: string, format: ImageFormat, bytes: Uint8Array): Promise<Metadata> {
  try {
    return await loadSharp()(bytes, { failOn: 'error' }).metadata();
  } catch (error) {
    throw undecodable(path, format, error);
  }
}

function undecodable(path: string, format: ImageFormat, error: unknown): ImageInputError {
  const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  return new ImageInputError(
    `${path} looks like a ${format.toUpperCase()} file but cannot be decoded (${reason}): it is corrupt or truncated. Re-export it as PNG, or copy it again if the transfer was cut short.`,
  );
}

/** Runs a pure decoder step and puts the file name in front of its message. */
function withPath<T>(path: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof ImageInputError) throw new ImageInputError(`${path} ${error.message}`);
    throw error;
  }
}

const ORIENTATIONS: Record<number, string> = {
  2: 'mirrored left-right',
  3: 'rotated 180 degrees',
  4: 'mirrored top-bottom',
  5: 'mirrored and rotated 90 degrees',
  6: 'rotated 90 degrees clockwise',
  7: 'mirrored and rotated 90 degrees',
  8: 'rotated 90 degrees counter-clockwise',
};

function conversionNotes(meta: Metadata): string[] {
  const notes: string[] = [];
  const orientation = meta.orientation ?? 1;
  const turned = ORIENTATIONS[orientation];
  if (turned !== undefined) {
    notes.push(
      `EXIF orientation ${orientation}: ${turned} to stand upright (${meta.autoOrient.width}x${meta.autoOrient.height})`,
    );
  }
  if (meta.space === 'b-w' || meta.space === 'grey16' || meta.channels <= 2) {
    notes.push('grayscale: converted to RGB (R = G = B)');
  }
  if (meta.space === 'cmyk') notes.push('CMYK: converted to sRGB');
  if (meta.depth === 'ushort') notes.push('16 bits per channel: reduced to 8 bits');
  if ((meta.pages ?? 1) > 1) notes.push(`has ${meta.pages ?? 1} frames: the first one is used`);
  return notes;
}

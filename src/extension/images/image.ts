// Images as the pipeline passes them around: 8-bit, interleaved, top-left origin. Editors produce
// exactly the pixels that are saved as PNG frames, so a reopened result classifies the same.

/** An RGB image, 3 bytes per pixel, row-major. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** A single-channel 8-bit image (masks: 255 = inside the edited region). */
export interface GrayImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** A blank RGB image. */
export function rgbImage(width: number, height: number): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3) };
}

/** Checks that `data` holds width x height pixels of `channels` bytes; throws otherwise. */
export function checkImageShape(
  image: { readonly width: number; readonly height: number; readonly data: Uint8Array },
  channels: number,
  what: string,
): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`${what} has size ${width}x${height}; width and height must be >= 1.`);
  }
  if (data.length !== width * height * channels) {
    throw new RangeError(
      `${what} is ${width}x${height} with ${channels} channel(s), so it needs ${width * height * channels} bytes, but has ${data.length}.`,
    );
  }
}

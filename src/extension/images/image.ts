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

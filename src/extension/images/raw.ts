// Decoded pixels before propsweep's conversions: RGB or RGBA, 8-bit, top-left origin. Pure, so the
// alpha and luminance rules are tested without sharp.
import type { GrayImage, RgbImage } from './image';

/** An RGB (3) or RGBA (4, straight, not premultiplied alpha) 8-bit image, row-major. */
export interface RawImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
  readonly data: Uint8Array;
}

/** Whether any pixel is less than fully opaque (an RGB image never is). */
export function hasTransparency(raw: RawImage): boolean {
  if (raw.channels === 3) return false;
  const { data } = raw;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 255) return true;
  return false;
}

/**
 * Composites onto white: out = c * a + 255 * (1 - a), a = alpha / 255, rounded half up. White,
 * because a transparent background most often stands for "paper" in exported cut-outs and icons,
 * and black would add a dark property the classifier might react to.
 */
export function flattenOnWhite(raw: RawImage): RgbImage {
  const { width, height, data } = raw;
  const out = new Uint8Array(width * height * 3);
  if (raw.channels === 3) {
    out.set(data);
    return { width, height, data: out };
  }
  for (let p = 0, i = 0, o = 0; p < width * height; p++, i += 4, o += 3) {
    const a = data[i + 3] as number;
    const white = 255 * (255 - a);
    // (x + 127) / 255 truncated is x / 255 rounded half up for integers x >= 0.
    out[o] = (((data[i] as number) * a + white + 127) / 255) | 0;
    out[o + 1] = (((data[i + 1] as number) * a + white + 127) / 255) | 0;
    out[o + 2] = (((data[i + 2] as number) * a + white + 127) / 255) | 0;
  }
  return { width, height, data: out };
}

/** The colour channels as they are stored, alpha dropped (for overlays whose alpha is a weight). */
export function colourOf(raw: RawImage): RgbImage {
  const { width, height, data } = raw;
  if (raw.channels === 3) return { width, height, data: data.slice() };
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, o = 0; o < out.length; i += 4, o += 3) {
    out[o] = data[i] as number;
    out[o + 1] = data[i + 1] as number;
    out[o + 2] = data[i + 2] as number;
  }
  return { width, height, data: out };
}

/** The alpha channel (all 255 for an RGB image). */
export function alphaOf(raw: RawImage): GrayImage {
  const { width, height, data } = raw;
  const out = new Uint8Array(width * height);
  if (raw.channels === 3) {
    out.fill(255);
  } else {
    for (let p = 0; p < out.length; p++) out[p] = data[p * 4 + 3] as number;
  }
  return { width, height, data: out };
}

/**
 * Luminance of the colour channels, Rec. 601 weights in 1/256 (77, 150, 29; they sum to 256, so
 * white stays 255 and grey g stays g), rounded half up. Alpha is ignored.
 */
export function luminanceOf(raw: RawImage): GrayImage {
  const { width, height, data, channels } = raw;
  const out = new Uint8Array(width * height);
  for (let p = 0, i = 0; p < out.length; p++, i += channels) {
    out[p] =
      (77 * (data[i] as number) +
        150 * (data[i + 1] as number) +
        29 * (data[i + 2] as number) +
        128) >>
      8;
  }
  return { width, height, data: out };
}

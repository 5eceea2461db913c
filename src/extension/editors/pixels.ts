// Per-pixel arithmetic of the parametric editors: typed arrays in, typed arrays out, no sharp, no
// allocation per pixel. Pixels are 8-bit interleaved RGB; results are clamped to 0..255 and
// rounded half up. Every function is exactly the identity at its identity parameter (factor 1,
// 0 degrees, std 0, t = 0), so t = 0 reproduces the source bytes.
import type { GrayImage, RgbImage } from '../images/image';
import type { Rng } from '../measures/rng';

/** Clamps to 0..255 and rounds half up (NaN gives 0). */
export function toByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0;
}

/** Rec. 601 luma weights, as PIL's "L" conversion uses them for contrast and saturation. */
const WR = 0.299;
const WG = 0.587;
const WB = 0.114;

/** out = I * factor. */
export function scaleBrightness(src: Uint8Array, dst: Uint8Array, factor: number): void {
  for (let i = 0; i < src.length; i++) dst[i] = toByte((src[i] as number) * factor);
}

/** The mean Rec. 601 luma of an RGB buffer: the grey that contrast scales around. */
export function meanLuma(src: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < src.length; i += 3) {
    sum += WR * (src[i] as number) + WG * (src[i + 1] as number) + WB * (src[i + 2] as number);
  }
  return sum / (src.length / 3);
}

/** out = mean + (I - mean) * factor: 0 gives flat grey, 1 the source, > 1 more contrast. */
export function scaleContrast(
  src: Uint8Array,
  dst: Uint8Array,
  factor: number,
  mean: number,
): void {
  for (let i = 0; i < src.length; i++) dst[i] = toByte(mean + ((src[i] as number) - mean) * factor);
}

/** out = L + (I - L) * factor per pixel, L its luma: 0 gives grey, 1 the source. */
export function scaleSaturation(src: Uint8Array, dst: Uint8Array, factor: number): void {
  for (let i = 0; i < src.length; i += 3) {
    const r = src[i] as number;
    const g = src[i + 1] as number;
    const b = src[i + 2] as number;
    const l = WR * r + WG * g + WB * b;
    dst[i] = toByte(l + (r - l) * factor);
    dst[i + 1] = toByte(l + (g - l) * factor);
    dst[i + 2] = toByte(l + (b - l) * factor);
  }
}

/**
 * Rotates the hue by `degrees` in HSV, keeping each pixel's value (max) and chroma (max - min):
 * the colour stays in gamut, so nothing clips, and 360 degrees is the identity.
 */
export function rotateHue(src: Uint8Array, dst: Uint8Array, degrees: number): void {
  // In sextants (60 degrees), reduced to [0, 6): 360 and -360 become exactly 0.
  const shift = (((degrees / 60) % 6) + 6) % 6;
  for (let i = 0; i < src.length; i += 3) {
    const r = src[i] as number;
    const g = src[i + 1] as number;
    const b = src[i + 2] as number;
    const max = r > g ? (r > b ? r : b) : g > b ? g : b;
    const min = r < g ? (r < b ? r : b) : g < b ? g : b;
    const chroma = max - min;
    if (chroma === 0 || shift === 0) {
      dst[i] = r;
      dst[i + 1] = g;
      dst[i + 2] = b;
      continue;
    }
    let h = max === r ? (g - b) / chroma : max === g ? (b - r) / chroma + 2 : (r - g) / chroma + 4;
    h += shift;
    if (h < 0) h += 6;
    if (h >= 6) h -= 6;
    if (h >= 6) h -= 6;
    const sextant = h | 0;
    // The middle channel: min + chroma * (distance of h to the nearest primary's sextant edge).
    const mid = min + chroma * (1 - Math.abs((h % 2) - 1));
    // Which channel is max, mid and min follows from the sextant (red, yellow, green, ...).
    let ro = max;
    let go = min;
    let bo = mid;
    if (sextant === 0) {
      go = mid;
      bo = min;
    } else if (sextant === 1) {
      ro = mid;
      go = max;
      bo = min;
    } else if (sextant === 2) {
      ro = min;
      go = max;
    } else if (sextant === 3) {
      ro = min;
      go = mid;
      bo = max;
    } else if (sextant === 4) {
      ro = mid;
      bo = max;
    }
    dst[i] = toByte(ro);
    dst[i + 1] = toByte(go);
    dst[i + 2] = toByte(bo);
  }
}

/**
 * `length` independent standard normal numbers (Box-Muller on the seeded generator). The noise
 * editor draws this field once and scales it for every step: common random numbers, so the
 * path is smooth in t instead of flickering.
 */
export function gaussianField(length: number, rng: Rng): Float32Array {
  const field = new Float32Array(length);
  for (let i = 0; i < length; i += 2) {
    // 1 - u lies in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - rng.nextFloat()));
    const angle = 2 * Math.PI * rng.nextFloat();
    field[i] = radius * Math.cos(angle);
    if (i + 1 < length) field[i + 1] = radius * Math.sin(angle);
  }
  return field;
}

/** out = I + std * z, z the fixed field (same length as the image buffer). */
export function addNoise(src: Uint8Array, dst: Uint8Array, field: Float32Array, std: number): void {
  for (let i = 0; i < src.length; i++)
    dst[i] = toByte((src[i] as number) + std * (field[i] as number));
}

/** Mask-weighted mean colour (0..255 per channel, weights mask / 255); null for an empty mask. */
export function maskedMean(src: Uint8Array, mask: Uint8Array): [number, number, number] | null {
  let r = 0;
  let g = 0;
  let b = 0;
  let weight = 0;
  for (let p = 0, i = 0; p < mask.length; p++, i += 3) {
    const m = mask[p] as number;
    if (m === 0) continue;
    r += m * (src[i] as number);
    g += m * (src[i + 1] as number);
    b += m * (src[i + 2] as number);
    weight += m;
  }
  return weight === 0 ? null : [r / weight, g / weight, b / weight];
}

/**
 * The fur-colour intervention: out = I + t * m * (target - mean), m = mask / 255; in 0..1 units
 * this is clamp01(I + t m (target - mu)) exactly, scaled by 255. At t = 1 the masked mean moves
 * to the target (up to clamping); pixels with m = 0 never change.
 */
export function recolor(
  src: Uint8Array,
  dst: Uint8Array,
  mask: Uint8Array,
  target: readonly [number, number, number],
  mean: readonly [number, number, number],
  t: number,
): void {
  const dr = (t * (target[0] - mean[0])) / 255;
  const dg = (t * (target[1] - mean[1])) / 255;
  const db = (t * (target[2] - mean[2])) / 255;
  for (let p = 0, i = 0; p < mask.length; p++, i += 3) {
    const m = mask[p] as number;
    if (m === 0) {
      dst[i] = src[i] as number;
      dst[i + 1] = src[i + 1] as number;
      dst[i + 2] = src[i + 2] as number;
      continue;
    }
    dst[i] = toByte((src[i] as number) + m * dr);
    dst[i + 1] = toByte((src[i + 1] as number) + m * dg);
    dst[i + 2] = toByte((src[i + 2] as number) + m * db);
  }
}

/**
 * out = I * (1 + t * m * (factor - 1)), m = mask / 255, or 1 - mask / 255 with `invert` (the
 * background). Pixels with m = 0 never change.
 */
export function maskedBrightness(
  src: Uint8Array,
  dst: Uint8Array,
  mask: Uint8Array,
  factor: number,
  t: number,
  invert: boolean,
): void {
  const k = (t * (factor - 1)) / 255;
  for (let p = 0, i = 0; p < mask.length; p++, i += 3) {
    const m = invert ? 255 - (mask[p] as number) : (mask[p] as number);
    if (m === 0) {
      dst[i] = src[i] as number;
      dst[i + 1] = src[i + 1] as number;
      dst[i + 2] = src[i + 2] as number;
      continue;
    }
    const scale = 1 + m * k;
    dst[i] = toByte((src[i] as number) * scale);
    dst[i + 1] = toByte((src[i + 1] as number) * scale);
    dst[i + 2] = toByte((src[i + 2] as number) * scale);
  }
}

/**
 * Alpha-blends `overlay` with its top-left corner at (x, y): out = I (1 - a m) + O a m, m the
 * overlay mask / 255 (1 where `overlayMask` is null), a = `amount`. The patch must lie inside the
 * image (checked by the caller); pixels outside it are copied.
 */
export function blendPatch(
  source: RgbImage,
  dst: Uint8Array,
  overlay: RgbImage,
  overlayMask: GrayImage | null,
  x: number,
  y: number,
  amount: number,
): void {
  dst.set(source.data);
  const src = source.data;
  const over = overlay.data;
  const weights = overlayMask?.data;
  for (let oy = 0; oy < overlay.height; oy++) {
    for (let ox = 0; ox < overlay.width; ox++) {
      const q = oy * overlay.width + ox;
      const a = (amount * (weights === undefined ? 255 : (weights[q] as number))) / 255;
      if (a === 0) continue;
      const i = ((y + oy) * source.width + x + ox) * 3;
      const o = q * 3;
      dst[i] = toByte((src[i] as number) * (1 - a) + (over[o] as number) * a);
      dst[i + 1] = toByte((src[i + 1] as number) * (1 - a) + (over[o + 1] as number) * a);
      dst[i + 2] = toByte((src[i + 2] as number) * (1 - a) + (over[o + 2] as number) * a);
    }
  }
}

// The difference view: per-pixel |frame − source|, amplified so small edits are visible. Pure
// (typed arrays in, typed array out): runs in Node tests.

/** The amplification of the difference view, stated in its legend. */
export const DIFFERENCE_GAIN = 4;

/**
 * |frame − source| per RGB channel times `gain`, clipped to 255, opaque; both arrays RGBA of the
 * same size (the caller draws the source at the frame's size first).
 */
export function absoluteDifference(
  frame: Uint8ClampedArray,
  source: Uint8ClampedArray,
  gain: number = DIFFERENCE_GAIN,
): Uint8ClampedArray {
  if (frame.length !== source.length || frame.length % 4 !== 0) {
    throw new RangeError(
      `the difference needs two RGBA images of one size, got ${frame.length} and ${source.length} bytes`,
    );
  }
  const out = new Uint8ClampedArray(frame.length);
  for (let i = 0; i < frame.length; i += 4) {
    for (let ch = 0; ch < 3; ch++) {
      out[i + ch] = Math.abs((frame[i + ch] ?? 0) - (source[i + ch] ?? 0)) * gain;
    }
    out[i + 3] = 255;
  }
  return out;
}

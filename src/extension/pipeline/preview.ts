// The preview of an explanation: its frames downscaled for the panel, sent before the full-size
// frames are encoded as PNG (see `run/preview`), so that the user reads the answer while they are.
import { downscaleRgb, scaledSize } from '../images/downscale';
import type { RgbImage } from '../images/image';
import { PREVIEW_LIMITS, type PreviewFrame } from '../../shared/previewFrames';

/** Bounds of a preview (PREVIEW_LIMITS; smaller in tests). */
export interface PreviewLimits {
  readonly maxSide: number;
  readonly minSide: number;
  readonly maxBytes: number;
}

/**
 * The long side the frames are shown at: `maxSide`, or less when the frames would take more than
 * `maxBytes` together; null when even `minSide` would (then no preview is sent).
 */
export function previewSide(
  sizes: readonly { readonly width: number; readonly height: number }[],
  limits: PreviewLimits = PREVIEW_LIMITS,
): number | null {
  const bytesAt = (side: number): number =>
    sizes.reduce((sum, { width, height }) => {
      const s = scaledSize(width, height, side);
      return sum + s.width * s.height * 3;
    }, 0);
  let side = limits.maxSide;
  for (;;) {
    const bytes = bytesAt(side);
    if (bytes <= limits.maxBytes) return side;
    if (side <= limits.minSide) return null;
    // Bytes grow with the square of the side; rounding may need another, smaller step.
    side = Math.max(
      limits.minSide,
      Math.min(side - 1, Math.floor(side * Math.sqrt(limits.maxBytes / bytes))),
    );
  }
}

/** Every frame downscaled to the preview's side, or null when no preview fits (see previewSide). */
export function previewFrames(
  frames: readonly RgbImage[],
  limits: PreviewLimits = PREVIEW_LIMITS,
): PreviewFrame[] | null {
  const side = previewSide(frames, limits);
  if (side === null) return null;
  return frames.map((frame) => {
    const { width, height, data } = downscaleRgb(frame, side);
    return { width, height, pixels: data };
  });
}

// The frames of a run's path as raw pixels, downscaled for display: the panel shows them as soon as
// the measures are done, while the child still encodes the full-size frames as PNG files. They
// cross two boundaries (child to host in `run/preview`, host to webview in `panel/previewFrames`),
// and both receivers check them here.
import { RESULT_LIMITS } from './resultFile';

/** One downscaled frame. */
export interface PreviewFrame {
  readonly width: number;
  readonly height: number;
  /** width x height x 3 bytes, RGB, row by row from the top. */
  readonly pixels: Uint8Array;
}

/**
 * Sizes of a preview: frames at most `maxSide` pixels on their long side, smaller (down to
 * `minSide`) when a long path would exceed `maxBytes` in all; beyond that no preview is sent. The
 * panel shows a frame at most about 440 px wide, and a message of 64 MB crosses the process and
 * webview boundaries in well under a second.
 */
export const PREVIEW_LIMITS = {
  maxSide: 480,
  minSide: 32,
  maxBytes: 64 * 1024 * 1024,
} as const;

/**
 * What is wrong with received preview frames, or null when they are valid: a list of at most
 * RESULT_LIMITS.frames frames (exactly `count` when given), each at most PREVIEW_LIMITS.maxSide a
 * side with the bytes its size needs, PREVIEW_LIMITS.maxBytes in all.
 */
export function previewFramesProblem(x: unknown, count?: number): string | null {
  if (!Array.isArray(x)) return 'the preview frames are not a list';
  if (x.length > RESULT_LIMITS.frames)
    return `the preview has ${x.length} frames, more than ${RESULT_LIMITS.frames}`;
  if (count !== undefined && x.length !== count)
    return `the preview has ${x.length} frames for ${count} steps`;
  let bytes = 0;
  for (const [k, frame] of (x as unknown[]).entries()) {
    if (typeof frame !== 'object' || frame === null) return `preview frame ${k} is not an object`;
    const { width, height, pixels } = frame as Record<string, unknown>;
    const side = (v: unknown): v is number =>
      typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= PREVIEW_LIMITS.maxSide;
    if (!side(width) || !side(height))
      return `preview frame ${k} is not 1 to ${PREVIEW_LIMITS.maxSide} pixels a side`;
    if (!(pixels instanceof Uint8Array) || pixels.length !== width * height * 3)
      return `preview frame ${k} needs ${width * height * 3} bytes of RGB pixels`;
    bytes += pixels.length;
  }
  return bytes <= PREVIEW_LIMITS.maxBytes
    ? null
    : `the preview takes ${bytes} bytes, more than ${PREVIEW_LIMITS.maxBytes}`;
}

// Step selection along the path: clamping, the step nearest a strength (chart hover), keyboard
// moves and the step shown first. Pure: runs in Node tests.
import type { ResultFile } from '../../shared/resultFile';

/** k clamped to 0..n-1 (0 when there are no steps or k is not a number). */
export function clampStep(k: number, n: number): number {
  if (n <= 0 || !Number.isFinite(k)) return 0;
  return Math.min(n - 1, Math.max(0, Math.round(k)));
}

/** The index of the strength closest to x (the earlier one on a tie); 0 for an empty path. */
export function nearestStep(strengths: readonly number[], x: number): number {
  let best = 0;
  let bestDistance = Infinity;
  strengths.forEach((s, k) => {
    const d = Math.abs(s - x);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  });
  return best;
}

/** The step a key moves to from k on a path of n steps, or null when the key does not move. */
export function stepForKey(key: string, k: number, n: number): number | null {
  const page = Math.max(1, Math.round(n / 10));
  switch (key) {
    case 'ArrowLeft':
      return clampStep(k - 1, n);
    case 'ArrowRight':
      return clampStep(k + 1, n);
    case 'PageUp':
      return clampStep(k - page, n);
    case 'PageDown':
      return clampStep(k + page, n);
    case 'Home':
      return 0;
    case 'End':
      return clampStep(n - 1, n);
    default:
      return null;
  }
}

/**
 * The step selected when a result is first shown: the first prediction flip of any model (where
 * the answer changes), else the last step (the full edit).
 */
export function initialStep(result: ResultFile): number {
  const n = result.frames.length;
  const flips = result.models.flatMap((m) => (m.measure.flip_details ?? []).map((f) => f.index));
  const first = flips.length > 0 ? flips.reduce((a, b) => Math.min(a, b)) : n - 1;
  return clampStep(first, n);
}

// How clean an edit is: did it change the property's region and nothing else? The reference
// implementation never checks; a recolour that also tints the background, or a background edit
// that bleeds into the object, measures something other than the named property.
import type { EditQuality } from '../../shared/resultFile';
import type { GrayImage, RgbImage } from '../images/image';

/** The change one step made (mean absolute difference to the source, 0..1 units). */
export interface StepChange {
  /** Inside the mask (weights mask / 255), or over the whole image for a global edit. */
  readonly changeInside: number;
  /** Outside the mask (weights 1 - mask / 255); null for a global edit or a full mask. */
  readonly changeOutside: number | null;
}

/** The verdict on a whole path, as the result file records it. */
export type { EditQuality };

/** Leakage above this ratio (outside change / inside change) flags the edit. */
export const LEAKAGE_RATIO_LIMIT = 0.1;
/** Mean outside change above this (0..1 units, about 5 grey levels) flags the edit. */
export const LEAKAGE_ABSOLUTE_LIMIT = 0.02;
/**
 * Steps whose inside change is below half a grey level are left out of the ratio: there rounding
 * to whole grey levels, not the edit, decides both numbers.
 */
export const RATIO_MIN_INSIDE = 0.5 / 255;

/** The change `image` makes to `source`, inside and outside `mask` (soft masks weigh pixels). */
export function stepChange(
  source: RgbImage,
  image: RgbImage,
  mask: GrayImage | undefined,
): StepChange {
  const a = source.data;
  const b = image.data;
  if (a.length !== b.length || (mask !== undefined && mask.data.length * 3 !== a.length)) {
    throw new RangeError(
      `stepChange: source (${source.width}x${source.height}), frame (${image.width}x${image.height})${mask === undefined ? '' : ` and mask (${mask.width}x${mask.height})`} differ in size.`,
    );
  }
  if (mask === undefined) {
    let sum = 0;
    for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] as number) - (b[i] as number));
    return { changeInside: sum / (a.length * 255), changeOutside: null };
  }
  let inside = 0;
  let outside = 0;
  let inWeight = 0;
  let outWeight = 0;
  const m = mask.data;
  for (let p = 0, i = 0; p < m.length; p++, i += 3) {
    const d =
      Math.abs((a[i] as number) - (b[i] as number)) +
      Math.abs((a[i + 1] as number) - (b[i + 1] as number)) +
      Math.abs((a[i + 2] as number) - (b[i + 2] as number));
    const w = m[p] as number;
    inside += w * d;
    outside += (255 - w) * d;
    inWeight += w;
    outWeight += 255 - w;
  }
  // Sums of weight * (three channel differences); divide by weight, 3 channels and 255 levels.
  return {
    changeInside: inWeight === 0 ? 0 : inside / (inWeight * 3 * 255),
    changeOutside: outWeight === 0 ? null : outside / (outWeight * 3 * 255),
  };
}

/**
 * Judges a path from its step changes: a masked edit is flagged when the largest outside/inside
 * ratio exceeds LEAKAGE_RATIO_LIMIT or any outside change exceeds LEAKAGE_ABSOLUTE_LIMIT.
 */
export function judgeEdit(steps: readonly StepChange[], masked: boolean): EditQuality {
  const changed = steps.some((s) => s.changeInside > 0 || (s.changeOutside ?? 0) > 0);
  const nothing = changed ? null : 'The edit did not change the image at any step.';
  if (!masked) return { masked, leakage: null, clean: true, message: nothing };
  let leakage: number | null = null;
  let worstOutside = 0;
  for (const { changeInside, changeOutside } of steps) {
    const outside = changeOutside ?? 0;
    worstOutside = Math.max(worstOutside, outside);
    if (changeInside >= RATIO_MIN_INSIDE) leakage = Math.max(leakage ?? 0, outside / changeInside);
  }
  const percent = (x: number): string => `${(x * 100).toFixed(1)}%`;
  const problems: string[] = [];
  if (leakage !== null && leakage > LEAKAGE_RATIO_LIMIT) {
    problems.push(
      `outside the mask it changed up to ${percent(leakage)} as much as inside (limit ${percent(LEAKAGE_RATIO_LIMIT)})`,
    );
  }
  if (worstOutside > LEAKAGE_ABSOLUTE_LIMIT) {
    problems.push(
      `the mean change outside the mask reached ${worstOutside.toFixed(3)} (limit ${LEAKAGE_ABSOLUTE_LIMIT})`,
    );
  }
  if (problems.length > 0) {
    return {
      masked,
      leakage,
      clean: false,
      message: `The edit leaks: ${problems.join(' and ')}, so the path also changes other properties. Tighten the mask or use a masked editor.`,
    };
  }
  if (leakage === null && changed) {
    return {
      masked,
      leakage,
      clean: true,
      message: 'The edit changed the masked region by less than half a grey level at every step.',
    };
  }
  return { masked, leakage, clean: true, message: nothing };
}

/** Step changes and verdict for a whole path (the frames in path order). */
export function assessEdit(
  source: RgbImage,
  frames: readonly RgbImage[],
  mask: GrayImage | undefined,
): { steps: StepChange[]; quality: EditQuality } {
  const steps = frames.map((frame) => stepChange(source, frame, mask));
  return { steps, quality: judgeEdit(steps, mask !== undefined) };
}

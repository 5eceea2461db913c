// CLIP's zero-shot arithmetic, pure: unit-length embeddings, a class embedding as the renormalised
// mean of its prompts' unit embeddings (the prompt ensembling of CLIP's zero-shot notebook), the
// logit scale recovered from an export's logits, and the scores per image. No onnxruntime here,
// so each step is unit tested on numbers worked out by hand.
import { softmax } from './outputs';
import type { PromptClass } from './prompts';

/** `v` scaled to unit length (float64), or null when its length is 0 or not finite. */
export function unitVector(v: ArrayLike<number>): Float64Array | null {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += (v[i] ?? 0) ** 2;
  const norm = Math.sqrt(sum);
  if (!(norm > 0) || !Number.isFinite(norm)) return null;
  return Float64Array.from({ length: v.length }, (_, i) => (v[i] ?? 0) / norm);
}

/** The dot product of two vectors of the same length. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
}

/**
 * One unit embedding per class: the mean of its prompts' unit embeddings, renormalised. Null for
 * a class whose prompts cancel out (their mean is the zero vector).
 */
export function classEmbeddings(
  prompts: readonly Float64Array[],
  classes: readonly PromptClass[],
): (Float64Array | null)[] {
  return classes.map(({ prompts: members }) => {
    const first = prompts[members[0] ?? -1];
    if (first === undefined) throw new RangeError('a class without prompts');
    const sum = new Float64Array(first.length);
    for (const k of members) {
      const e = prompts[k];
      if (e?.length !== sum.length) throw new RangeError(`prompt ${k} has no embedding`);
      for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] ?? 0) + (e[i] ?? 0);
    }
    return unitVector(sum);
  });
}

/** Sums for the least-squares fit of logits = scale * cosines, accumulated over runs. */
export interface ScaleFit {
  /** Sum of logit * cosine. */
  readonly lc: number;
  /** Sum of cosine squared. */
  readonly cc: number;
  readonly pairs: readonly (readonly [logit: number, cosine: number])[];
}

/** An empty fit. */
export const NO_FIT: ScaleFit = { lc: 0, cc: 0, pairs: [] };

/** The fit with more (logit, cosine) pairs added. */
export function addToFit(
  fit: ScaleFit,
  logits: ArrayLike<number>,
  cosines: ArrayLike<number>,
): ScaleFit {
  const pairs = [...fit.pairs];
  let { lc, cc } = fit;
  for (let j = 0; j < logits.length; j++) {
    const l = logits[j] ?? NaN;
    const c = cosines[j] ?? NaN;
    pairs.push([l, c]);
    lc += l * c;
    cc += c * c;
  }
  return { lc, cc, pairs };
}

/**
 * The logit scale s with logits = s * cosines (least squares), or a sentence saying why there is
 * none: the cosines are all about 0, s is not positive, or some logit is off s * cosine by more
 * than 1% of the largest logit (the logits are not CLIP's scaled cosine similarity).
 */
export function fitScale(fit: ScaleFit): { scale: number } | { problem: string } {
  const n = fit.pairs.length;
  if (n === 0 || !(fit.cc > 1e-8 * n)) {
    return { problem: 'the cosine similarities of the probe image and the prompts are all 0' };
  }
  const scale = fit.lc / fit.cc;
  if (!Number.isFinite(scale) || scale <= 0) {
    return { problem: `the logits are ${String(scale)} times the cosine similarities` };
  }
  const largest = Math.max(1, ...fit.pairs.map(([l]) => Math.abs(l)));
  for (const [j, [l, c]] of fit.pairs.entries()) {
    if (!(Math.abs(l - scale * c) <= 0.01 * largest)) {
      return {
        problem: `prompt ${j + 1} has logit ${l.toPrecision(6)}, but ${scale.toPrecision(6)} (the scale fitted to every prompt) times its cosine similarity ${c.toPrecision(6)} is ${(scale * c).toPrecision(6)}`,
      };
    }
  }
  return { scale };
}

/**
 * The scores of one image from its unit embedding: the softmax over classes of
 * scale * cosine(image, class), or the cosine similarity with every prompt.
 */
export function zeroShotScores(
  image: Float64Array,
  targets: readonly Float64Array[],
  scale: number,
  output: 'softmax' | 'similarity',
): Float32Array {
  const cosines = targets.map((t) => dot(image, t));
  return output === 'softmax' ? softmax(cosines.map((c) => scale * c)) : Float32Array.from(cosines);
}

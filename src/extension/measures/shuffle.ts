// The shuffle of the permutation test: uniform random orders of a path's rows, drawn from a seeded
// Rng with as few draws as possible.
import { MeasureInputError } from './errors';
import { MAX_BELOW, type Rng } from './rng';

/** Refuses a path longer than the shuffle can index exactly. */
export function checkShuffleSize(n: number): void {
  if (n > MAX_BELOW)
    throw new MeasureInputError(`the path has ${n} steps; at most ${MAX_BELOW} can be shuffled.`);
}

/**
 * Fisher-Yates with several indices per random number (Brackett-Rozinsky & Lemire 2024, "Batched
 * ranged random integer generation"): one 32-bit draw r gives the index for position i as
 * floor(r (i+1) / 2^32); the low word of that product, scaled by i, gives the next index, and so
 * on while the product of the ranges fits in 32 bits. A rare rejection keeps every batch exactly
 * uniform. Multiplications only: an integer division per index would cost more than the draw.
 */
export function shuffle(a: Int32Array | Float64Array, rng: Rng): void {
  let i = a.length - 1;
  // Three indices per draw while (i+1) i (i-1) <= 2^32 (paths up to 1,625 steps).
  while (i >= 3 && (i + 1) * i * (i - 1) <= TWO_TO_32) {
    const bound = (i + 1) * i * (i - 1);
    let m1: number;
    let m2: number;
    let m3: number;
    let low: number;
    do {
      m1 = rng.nextUint32() * (i + 1);
      m2 = (m1 >>> 0) * i;
      m3 = (m2 >>> 0) * (i - 1);
      low = m3 >>> 0;
    } while (low < bound && low < (TWO_TO_32 - bound) % bound);
    swap(a, i, (m1 - (m1 >>> 0)) * TWO_TO_MINUS_32);
    swap(a, i - 1, (m2 - (m2 >>> 0)) * TWO_TO_MINUS_32);
    swap(a, i - 2, (m3 - low) * TWO_TO_MINUS_32);
    i -= 3;
  }
  // Two per draw while (i+1) i fits (and (i+1) stays below 2^21, so r (i+1) is exact).
  while (i >= 2 && i < MAX_BELOW && (i + 1) * i <= TWO_TO_32) {
    const bound = (i + 1) * i;
    let m1: number;
    let m2: number;
    let low: number;
    do {
      m1 = rng.nextUint32() * (i + 1);
      m2 = (m1 >>> 0) * i;
      low = m2 >>> 0;
    } while (low < bound && low < (TWO_TO_32 - bound) % bound);
    swap(a, i, (m1 - (m1 >>> 0)) * TWO_TO_MINUS_32);
    swap(a, i - 1, (m2 - low) * TWO_TO_MINUS_32);
    i -= 2;
  }
  for (; i > 0; i--) swap(a, i, rng.nextBelow(i + 1));
}

function swap(a: Int32Array | Float64Array, i: number, j: number): void {
  const tmp = a[i] as number;
  a[i] = a[j] as number;
  a[j] = tmp;
}

const TWO_TO_32 = 4294967296;
const TWO_TO_MINUS_32 = 1 / 4294967296;

/** The order 0, 1, ..., n - 1. */
export function identity(n: number): Int32Array {
  const perm = new Int32Array(n);
  for (let k = 0; k < n; k++) perm[k] = k;
  return perm;
}

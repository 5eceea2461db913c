// The null distribution of the permutation test: the statistic under every order of the path
// (exact) or under K random orders, sampled in independently seeded chunks.
import { at } from './grid';
import { KERNEL_MAX_COUNT, loadKernel, releaseKernel } from './kernel/kernel';
import {
  evaluate,
  evaluateIndexed,
  evaluateScalar,
  type PreparedStatistic,
} from './preparedStatistic';
import { Rng } from './rng';
import { checkShuffleSize, identity, shuffle } from './shuffle';

/** Permutations per independently seeded chunk; fixed so results never depend on thread count. */
export const CHUNK_SIZE = 1024;

/** Writes the statistics of `count` random orders of chunk `chunk` to out[offset, offset + count). */
type ChunkSampler = (
  prep: PreparedStatistic,
  seed: number,
  chunk: number,
  count: number,
  out: Float64Array,
  offset: number,
) => void;

/** K statistics of uniformly random orders, chunk by chunk. */
export function sampleNull(
  prep: PreparedStatistic,
  permutations: number,
  seed: number,
): Float64Array {
  const out = new Float64Array(permutations);
  try {
    for (let chunk = 0; chunk * CHUNK_SIZE < permutations; chunk++) {
      sampleNullChunk(
        prep,
        seed,
        chunk,
        Math.min(CHUNK_SIZE, permutations - chunk * CHUNK_SIZE),
        out,
        chunk * CHUNK_SIZE,
      );
    }
  } finally {
    releaseKernel();
  }
  return out;
}

/**
 * `count` statistics of random orders from chunk number `chunk`, whose generator is seeded by
 * (seed, chunk) alone: any worker can compute any chunk and the results are the same. Runs in the
 * WebAssembly kernel (kernel/permutation.wat) when it can, which gives exactly the numbers of
 * sampleNullChunkReference about four times faster.
 */
export const sampleNullChunk: ChunkSampler = (prep, seed, chunk, count, out, offset) => {
  checkShuffleSize(prep.n);
  const kernel = count <= KERNEL_MAX_COUNT ? loadKernel(prep) : null;
  if (kernel !== null) kernel.sample(seed, chunk, count, out, offset);
  else sampleNullChunkReference(prep, seed, chunk, count, out, offset);
};

/** sampleNullChunk in TypeScript: the readable definition, and the fallback without WebAssembly. */
export const sampleNullChunkReference: ChunkSampler = (prep, seed, chunk, count, out, offset) => {
  checkShuffleSize(prep.n);
  const rng = new Rng(seed, chunk);
  // Each shuffle starts from the previous order: a shuffle of a shuffled order is uniform too.
  if (prep.cols === 1) {
    // One output: shuffle the values themselves, no gather through a permutation.
    const values = Float64Array.from(prep.data);
    for (let p = 0; p < count; p++) {
      shuffle(values, rng);
      out[offset + p] = evaluateScalar(prep, values);
    }
    return;
  }
  const perm = identity(prep.n);
  for (let p = 0; p < count; p++) {
    shuffle(perm, rng);
    out[offset + p] = evaluateIndexed(prep, perm);
  }
};

/** The statistic of every one of the N! orders (Heap's algorithm), the identity included. */
export function enumerateNull(prep: PreparedStatistic): Float64Array {
  const n = prep.n;
  let total = 1;
  for (let k = 2; k <= n; k++) total *= k;
  const out = new Float64Array(total);
  const perm = identity(n);
  const values = new Float64Array(n);
  const counters = new Int32Array(n);
  let produced = 0;
  out[produced++] = evaluate(prep, perm, values);
  let i = 1;
  while (i < n) {
    const ci = at(counters, i);
    if (ci < i) {
      const j = i % 2 === 0 ? 0 : ci;
      const tmp = at(perm, j);
      perm[j] = at(perm, i);
      perm[i] = tmp;
      out[produced++] = evaluate(prep, perm, values);
      counters[i] = ci + 1;
      i = 1;
    } else {
      counters[i] = 0;
      i++;
    }
  }
  return out;
}

/**
 * A seeded 32-bit generator (xoshiro128**). The reference
 * implementation shuffles with an unseeded generator, so its p-values cannot be reproduced; every
 * propsweep result records the seed, and (seed, stream) always gives the same sequence.
 */
export class Rng {
  // Typed storage keeps the state unboxed: int32 values beyond V8's small-integer range would
  // otherwise allocate a heap number on every store, several times per random number.
  private readonly s = new Int32Array(4);

  /**
   * `seed` is an unsigned 32-bit integer; `stream` (the chunk index of the shuffle test) selects
   * an independent sequence. Two state words come from the seed and two from the stream, each
   * through a bijective mix, so distinct (seed, stream) pairs always start from distinct states
   * (a single mixed word would make some pairs of seeds share their streams).
   */
  constructor(seed: number, stream = 0) {
    const s = this.s;
    s[0] = fmix32(seed ^ 0x9e3779b9);
    s[1] = fmix32(seed ^ 0x243f6a88);
    s[2] = fmix32(stream ^ 0xb7e15162);
    s[3] = fmix32(stream ^ 0x85a308d3);
    // The state is never all zero: s[0] and s[1] cannot both be (mix(0) = 0, different constants).
    // The first outputs depend on s[1] alone; after a few steps every word has mixed in.
    for (let i = 0; i < WARM_UP; i++) this.nextUint32();
  }

  /** The next unsigned 32-bit integer. */
  nextUint32(): number {
    const s = this.s;
    const s0 = s[0] as number;
    const s1 = s[1] as number;
    const s2 = (s[2] as number) ^ s0;
    const s3 = (s[3] as number) ^ s1;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    s[1] = s1 ^ s2;
    s[0] = s0 ^ s3;
    s[2] = s2 ^ (s1 << 9);
    s[3] = rotl(s3, 11);
    return r >>> 0;
  }

  /** A uniform float in [0, 1) with 32 random bits. */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  /**
   * A uniform integer in [0, n), without modulo bias (Lemire's multiply-and-reject). The product of
   * two numbers below 2^32 and 2^21 is exact in a double, so `>>> 0` yields its low 32 bits.
   */
  nextBelow(n: number): number {
    let m = this.nextUint32() * n;
    let low = m >>> 0;
    if (low < n) {
      const threshold = (4294967296 - n) % n;
      while (low < threshold) {
        m = this.nextUint32() * n;
        low = m >>> 0;
      }
    }
    return ((m - low) / 4294967296) | 0;
  }
}

/** Outputs discarded after seeding. */
const WARM_UP = 8;

/** Largest n accepted by `Rng.nextBelow` (keeps the product exact in a double). */
export const MAX_BELOW = 2 ** 21;

/** MurmurHash3's 32-bit finaliser: a bijection that spreads every input bit over the output. */
function fmix32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

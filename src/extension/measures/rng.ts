/**
 * A seeded 32-bit generator (xoshiro128**, seeded through splitmix32). The reference
 * implementation shuffles with an unseeded generator, so its p-values cannot be reproduced; every
 * propsweep result records the seed, and (seed, stream) always gives the same sequence.
 */
export class Rng {
  // Typed storage keeps the state unboxed: int32 values beyond V8's small-integer range would
  // otherwise allocate a heap number on every store, several times per random number.
  private readonly s = new Int32Array(4);

  /** `seed` is an unsigned 32-bit integer; `stream` selects an independent sub-sequence. */
  constructor(seed: number, stream = 0) {
    let state = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) | 0;
    const next = (): number => {
      state = (state + 0x9e3779b9) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) | 0;
    };
    const s = this.s;
    for (let i = 0; i < 4; i++) s[i] = next();
    if (s.every((x) => x === 0)) s[0] = 1;
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

/** Largest n accepted by `Rng.nextBelow` (keeps the product exact in a double). */
export const MAX_BELOW = 2 ** 21;

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

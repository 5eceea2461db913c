// The seeded generator behind the shuffle test: reproducible, independent streams, unbiased ranges.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Rng } from '../../../src/extension/measures';
import { MAX_BELOW } from '../../../src/extension/measures/rng';

function draws(rng: Rng, count: number): number[] {
  return Array.from({ length: count }, () => rng.nextUint32());
}

/** Pearson's chi-square of counts against equal expected counts. */
function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
}

void test('golden values: xoshiro128** seeded through splitmix32', () => {
  // From a Python transcription of Blackman & Vigna's xoshiro128** reference (t = s1 << 9;
  // s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11); out = rotl(s1 * 5, 7) * 9)
  // with the state seeded as rng.ts documents: s = [fmix32(seed ^ 0x9e3779b9), fmix32(seed ^
  // 0x243f6a88), fmix32(stream ^ 0xb7e15162), fmix32(stream ^ 0x85a308d3)] (MurmurHash3's
  // finaliser), then 8 outputs discarded.
  assert.deepEqual(
    draws(new Rng(0, 0), 5),
    [3411847636, 824489653, 600529908, 2256925583, 4115724916],
  );
  assert.deepEqual(
    draws(new Rng(1, 0), 5),
    [569768001, 510741146, 3105466965, 2289390367, 2266280010],
  );
  assert.deepEqual(
    draws(new Rng(0, 1), 5),
    [2357040763, 1533736882, 4202059909, 4257596868, 569161071],
  );
  assert.deepEqual(
    draws(new Rng(4294967295, 7), 5),
    [2978585294, 3448998872, 1001877248, 3964669732, 3716205386],
  );
  // The default stream is 0.
  assert.deepEqual(draws(new Rng(1), 5), draws(new Rng(1, 0), 5));
});

void test('deterministic per (seed, stream); other seeds and streams give other sequences', () => {
  assert.deepEqual(draws(new Rng(42, 3), 100), draws(new Rng(42, 3), 100));
  const base = draws(new Rng(42, 0), 100);
  for (const [seed, stream] of [
    [42, 1],
    [42, 2],
    [43, 0],
    [0, 0],
  ] as const) {
    const other = draws(new Rng(seed, stream), 100);
    assert.notDeepEqual(other, base, `(${seed}, ${stream})`);
    // Not merely shifted copies: hardly any value in common.
    const common = other.filter((v) => base.includes(v)).length;
    assert.ok(common <= 1, `(${seed}, ${stream}) shares ${common} values`);
  }
  // Chunk streams 0..63 of one seed start differently.
  const firsts = new Set(
    Array.from({ length: 64 }, (_, stream) => new Rng(7, stream).nextUint32()),
  );
  assert.equal(firsts.size, 64);
});

void test('nextUint32 is an unsigned 32-bit integer; nextFloat lies in [0, 1)', () => {
  const rng = new Rng(9);
  let sum = 0;
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    const u = rng.nextUint32();
    assert.ok(Number.isInteger(u) && u >= 0 && u <= 0xffffffff);
    const x = rng.nextFloat();
    assert.ok(x >= 0 && x < 1, `nextFloat ${x}`);
    sum += x;
  }
  // Mean of U(0,1): 0.5 with standard error 1/sqrt(12 n) = 0.002; allow 6 of them.
  assert.ok(Math.abs(sum / n - 0.5) < 0.012, `mean ${sum / n}`);
});

void test('nextBelow(n) stays in [0, n) for small, odd and the largest allowed n', () => {
  const rng = new Rng(5, 2);
  for (const n of [1, 2, 3, 7, 10, 1000, 999_983, MAX_BELOW - 1, MAX_BELOW]) {
    for (let i = 0; i < 2000; i++) {
      const v = rng.nextBelow(n);
      assert.ok(Number.isInteger(v) && v >= 0 && v < n, `nextBelow(${n}) = ${v}`);
    }
  }
  // n = 1 leaves no choice.
  assert.ok(Array.from({ length: 100 }, () => rng.nextBelow(1)).every((v) => v === 0));
});

void test('nextBelow(n) is roughly uniform (chi-square, generous bounds)', () => {
  const rng = new Rng(123, 4);
  for (const n of [2, 6, 10, 37]) {
    const counts = new Array<number>(n).fill(0);
    const total = 2000 * n;
    for (let i = 0; i < total; i++) {
      const v = rng.nextBelow(n);
      counts[v] = (counts[v] ?? 0) + 1;
    }
    // df = n - 1: mean df, sd sqrt(2 df); df + 6 sd + 10 is far in the tail (p < 1e-6).
    const df = n - 1;
    const chi2 = chiSquare(counts);
    assert.ok(chi2 < df + 6 * Math.sqrt(2 * df) + 10, `n = ${n}: chi2 = ${chi2}`);
  }
  // A large n whose rejection zone matters: 3 * 2^19. The 16 top buckets are equally likely.
  const n = 3 * 2 ** 19;
  const buckets = new Array<number>(16).fill(0);
  for (let i = 0; i < 32_000; i++) {
    const b = Math.floor((rng.nextBelow(n) * 16) / n);
    buckets[b] = (buckets[b] ?? 0) + 1;
  }
  const chi2 = chiSquare(buckets);
  assert.ok(chi2 < 15 + 6 * Math.sqrt(30) + 10, `large n: chi2 = ${chi2}`);
});

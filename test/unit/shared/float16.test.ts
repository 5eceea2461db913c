// IEEE 754 binary16 conversion, against the bit patterns in the standard's tables (and the
// Wikipedia "Half-precision floating-point format" examples), plus an exhaustive round trip.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  fromFloat16Array,
  fromHalfBits,
  toFloat16Array,
  toHalfBits,
} from '../../../src/shared/float16';

describe('float16', () => {
  test('known bit patterns', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff], // largest finite half
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [1 + 2 ** -10, 0x3c01], // next after 1
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
    ];
    for (const [value, bits] of cases) {
      assert.equal(toHalfBits(value), bits, `toHalfBits(${value})`);
      assert.equal(fromHalfBits(bits), value, `fromHalfBits(0x${bits.toString(16)})`);
    }
    assert.equal(toHalfBits(1 / 3), 0x3555); // 0.333251953125
    assert.equal(fromHalfBits(0x3555), 0.333251953125);
    assert.equal(toHalfBits(0.1), 0x2e66); // 0.0999755859375
  });

  test('rounding: to nearest, ties to even, overflow to infinity', () => {
    assert.equal(toHalfBits(1 + 2 ** -11), 0x3c00); // halfway, even neighbour below
    assert.equal(toHalfBits(1 + 3 * 2 ** -11), 0x3c02); // halfway, even neighbour above
    assert.equal(toHalfBits(1 + 2 ** -11 + 2 ** -20), 0x3c01); // just above halfway
    assert.equal(toHalfBits(65519), 0x7bff); // below the halfway point to 65536
    assert.equal(toHalfBits(65520), 0x7c00); // halfway to 65536 rounds to even: infinity
    assert.equal(toHalfBits(1e6), 0x7c00);
    assert.equal(toHalfBits(2 ** -25), 0x0000); // halfway to the smallest subnormal: even is 0
    assert.equal(toHalfBits(1.5 * 2 ** -25), 0x0001);
    assert.equal(toHalfBits(3 * 2 ** -25), 0x0002); // 1.5 subnormal units: ties to even, 2
    assert.equal(toHalfBits(2 ** -14 - 2 ** -25), 0x0400); // rounds up into the normals
    assert.equal(toHalfBits(1e-10), 0x0000);
  });

  test('NaN stays NaN', () => {
    assert.equal(toHalfBits(Number.NaN) & 0x7c00, 0x7c00);
    assert.notEqual(toHalfBits(Number.NaN) & 0x03ff, 0);
    assert.ok(Number.isNaN(fromHalfBits(0x7e00)));
  });

  test('every one of the 65536 patterns survives half -> float32 -> half', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const back = toFloat16Array(fromFloat16Array(all));
    for (let bits = 0; bits < 65536; bits++) {
      const isNaN = (bits & 0x7c00) === 0x7c00 && (bits & 0x03ff) !== 0;
      if (isNaN) assert.ok(Number.isNaN(fromHalfBits(back[bits] ?? 0)));
      else assert.equal(back[bits], bits, `0x${bits.toString(16)}`);
    }
  });
});

test('the array conversions equal the one-value ones: every half, and float32 patterns around every binade', () => {
  const every = Uint16Array.from({ length: 0x10000 }, (_, b) => b);
  const decoded = fromFloat16Array(every);
  every.forEach((b) => {
    const want = fromHalfBits(b);
    assert.ok(
      Object.is(decoded[b], Math.fround(want)) || (Number.isNaN(want) && Number.isNaN(decoded[b])),
      `half ${b}`,
    );
  });
  // Every float32 exponent, with mantissas at and around each rounding boundary, both signs; also
  // as a view into a larger buffer.
  const words: number[] = [];
  for (let exponent = 0; exponent < 256; exponent++) {
    for (const mantissa of [
      0, 1, 0xfff, 0x1000, 0x1001, 0x2000, 0x3000, 0x7fe000, 0x7ff000, 0x7fffff,
    ]) {
      for (const sign of [0, 0x80000000]) words.push((sign | (exponent << 23) | mantissa) >>> 0);
    }
  }
  const values = new Float32Array(new Uint32Array(words).buffer);
  const halves = toFloat16Array(values);
  values.forEach((v, i) => {
    assert.equal(halves[i], toHalfBits(v), `float32 bits ${words[i]?.toString(16) ?? ''}`);
  });
  const shifted = new Float32Array(values.length + 1);
  shifted.set(values, 1);
  assert.deepEqual(toFloat16Array(shifted.subarray(1)), halves);
});

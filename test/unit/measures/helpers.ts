// Shared helpers of the measures unit tests (not a test file itself: no `.test.ts` suffix).
import assert from 'node:assert/strict';

import {
  makeGrid,
  makeStencil,
  MeasureInputError,
  propertyGradient,
  Rng,
  toMatrix,
  type EdgeOrder,
  type FlipReport,
  type MeasureResult,
} from '../../../src/extension/measures';

/** |actual - expected| <= tolerance (absolute). */
export function assertClose(
  actual: number,
  expected: number,
  tolerance: number,
  what = 'value',
): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: expected ${expected} +- ${tolerance}, got ${actual} (off by ${Math.abs(actual - expected)})`,
  );
}

/** Element-wise |a - e| <= tolerance * max(1, |e|): absolute near 0, relative for large values. */
export function assertAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: number,
  what = 'array',
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] ?? Number.NaN;
    const e = expected[i] ?? Number.NaN;
    assert.ok(
      Math.abs(a - e) <= tolerance * Math.max(1, Math.abs(e)),
      `${what}[${i}]: expected ${e} +- ${tolerance}, got ${a}`,
    );
  }
}

/** The function throws a MeasureInputError whose message matches `pattern`. */
export function throwsInput(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(
      error instanceof MeasureInputError,
      `expected a MeasureInputError, got ${String(error)}`,
    );
    assert.equal(error.name, 'MeasureInputError');
    assert.match(error.message, pattern);
    return true;
  });
}

/** The property gradient dy/dt of the predictions on the grid built from `strengths`. */
export function gradientOf(
  predictions: unknown,
  strengths?: readonly number[],
  options: { edgeOrder?: EdgeOrder; period?: number; legacy?: boolean } = {},
): Float64Array {
  const y = toMatrix(predictions);
  const grid = makeGrid(y.rows, strengths, { period: options.period, legacy: options.legacy });
  return propertyGradient(y, makeStencil(grid, options.edgeOrder ?? 1)).data;
}

/** shared/METHOD.md's sine: y_i = sin(2 pi 1.5 i / 99), i = 0..99. */
export function methodSine(): number[] {
  return Array.from({ length: 100 }, (_, i) => Math.sin((2 * Math.PI * 1.5 * i) / 99));
}

/** A Fisher-Yates shuffled copy, driven by a seeded Rng (the tests never use Math.random). */
export function shuffled<T>(values: readonly T[], rng: Rng): T[] {
  const out = [...values];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.nextBelow(i + 1);
    const tmp = out[i] as T;
    out[i] = out[j] as T;
    out[j] = tmp;
  }
  return out;
}

/** Every ordering of 0..n-1 (naive recursion, independent of the engine's Heap's algorithm). */
export function allOrders(n: number): number[][] {
  if (n === 0) return [[]];
  const out: number[][] = [];
  for (const rest of allOrders(n - 1)) {
    for (let at = 0; at <= rest.length; at++)
      out.push([...rest.slice(0, at), n - 1, ...rest.slice(at)]);
  }
  return out;
}

/** Mean of |x|. */
export function meanAbs(xs: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += Math.abs(xs[i] ?? 0);
  return sum / xs.length;
}

/** The flip report of a result, which must have one. */
export function flipsOf(result: MeasureResult): FlipReport {
  assert.ok(result.flips !== null, `no flips: ${result.warnings.join(' | ')}`);
  return result.flips;
}

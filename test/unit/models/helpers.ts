// Shared by the unit and native model tests: assertions on ModelInputError messages, small
// deterministic images, and a model whose declared sizes a test chooses.
import assert from 'node:assert/strict';

import { DATA_TYPE, modelProto, type Dim } from '../../../scripts/onnx/onnx';
import type { RgbImage } from '../../../src/extension/images/image';
import { ModelInputError } from '../../../src/extension/models/types';

export { solid } from '../images/builders';

/** What a refusal must say: the file it is about, and patterns for what happened and what to do. */
export interface Refusal {
  readonly names: string;
  readonly says: readonly RegExp[];
}

function check(error: unknown, expected: Refusal): true {
  assert.ok(error instanceof ModelInputError, `expected a ModelInputError, got ${String(error)}`);
  assert.ok(
    error.message.includes(expected.names),
    `message should name ${expected.names}:\n${error.message}`,
  );
  for (const pattern of expected.says) assert.match(error.message, pattern);
  return true;
}

/** Asserts that `fn` throws a ModelInputError naming the file and matching every pattern. */
export function assertRefuses(fn: () => unknown, expected: Refusal): void {
  assert.throws(fn, (error: unknown) => check(error, expected));
}

/** Asserts that `promise` rejects with a ModelInputError naming the file and matching every pattern. */
export async function assertRejects(promise: Promise<unknown>, expected: Refusal): Promise<void> {
  await assert.rejects(promise, (error: unknown) => check(error, expected));
}

/** An image whose pixel colour is `colour(x, y)`. */
export function painted(
  width: number,
  height: number,
  colour: (x: number, y: number) => readonly [number, number, number],
): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(colour(x, y), (y * width + x) * 3);
  }
  return { width, height, data };
}

/** Deterministic pseudo-random images (a 32-bit LCG, Numerical Recipes constants). */
export function noiseImages(count: number, width: number, height: number, seed = 1): RgbImage[] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state >>> 24;
  };
  return Array.from({ length: count }, () => {
    const data = new Uint8Array(width * height * 3);
    for (let i = 0; i < data.length; i++) data[i] = next();
    return { width, height, data };
  });
}

/** Asserts two numbers agree within `tolerance`. */
export function assertNear(
  actual: number,
  expected: number,
  tolerance: number,
  what: string,
): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} is not within ${tolerance} of ${expected}`,
  );
}

/** Asserts two vectors agree element-wise within `tolerance`. */
export function assertRowsNear(
  actual: readonly ArrayLike<number>[],
  expected: readonly ArrayLike<number>[],
  tolerance: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: row count`);
  actual.forEach((row, r) => {
    const want = expected[r];
    assert.ok(want !== undefined);
    assert.equal(row.length, want.length, `${what}: row ${r} length`);
    for (let c = 0; c < row.length; c++) {
      assertNear(row[c] ?? NaN, want[c] ?? NaN, tolerance, `${what}: row ${r}, column ${c}`);
    }
  });
}

/**
 * An ONNX model built with the fixture writer (scripts/onnx), for tests of declared sizes: input
 * `shape` (NCHW) -> GlobalAveragePool -> Flatten -> Gemm -> [batch, classes] logits.
 */
export function averagingModel(shape: readonly Dim[], classes: number): Uint8Array {
  return modelProto({
    name: 'averaging',
    doc: 'propsweep test: channel means to many logits',
    opset: 17,
    inputs: [{ name: 'image', type: DATA_TYPE.float, shape }],
    outputs: [{ name: 'logits', type: DATA_TYPE.float, shape: [shape[0] ?? 'batch', classes] }],
    initializers: [
      { name: 'w', dims: [classes, 3], values: new Array<number>(classes * 3).fill(0.1) },
      { name: 'b', dims: [classes], values: new Array<number>(classes).fill(0) },
    ],
    nodes: [
      { op: 'GlobalAveragePool', inputs: ['image'], outputs: ['pooled'] },
      { op: 'Flatten', inputs: ['pooled'], outputs: ['means'], attributes: { axis: { int: 1 } } },
      {
        op: 'Gemm',
        inputs: ['means', 'w', 'b'],
        outputs: ['logits'],
        attributes: { transB: { int: 1 } },
      },
    ],
  });
}

// The per-pixel arithmetic against hand-computed values (the comment next to each expectation
// shows the sum), plus the identity and invariance properties the editors rely on.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  addNoise,
  blendPatch,
  gaussianField,
  maskedBrightness,
  maskedMean,
  meanLuma,
  recolor,
  rotateHue,
  scaleBrightness,
  scaleContrast,
  scaleSaturation,
  toByte,
} from '../../../src/extension/editors/pixels';
import { Rng } from '../../../src/extension/measures/rng';
import { grayFrom, randomRgb, rgbFrom, solid } from '../images/builders';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const run = (f: (src: Uint8Array, dst: Uint8Array) => void, src: Uint8Array): number[] => {
  const dst = new Uint8Array(src.length);
  f(src, dst);
  return [...dst];
};

void test('toByte clamps to 0..255 and rounds half up', () => {
  assert.deepEqual(
    [-3, 0, 0.49, 0.5, 1.5, 2.5, 254.5, 255, 300, NaN].map(toByte),
    [0, 0, 0, 1, 2, 3, 255, 255, 255, 0],
  );
});

void test('brightness: I * factor, clamped; factor 1 is the identity', () => {
  const src = bytes(100, 200, 0, 101, 255, 1);
  // 100 * 1.5 = 150, 200 * 1.5 = 300 -> 255, 0, 101 * 1.5 = 151.5 -> 152, 382.5 -> 255, 1.5 -> 2.
  assert.deepEqual(
    run((s, d) => {
      scaleBrightness(s, d, 1.5);
    }, src),
    [150, 255, 0, 152, 255, 2],
  );
  assert.deepEqual(
    run((s, d) => {
      scaleBrightness(s, d, 0);
    }, src),
    [0, 0, 0, 0, 0, 0],
  );
  const random = randomRgb(9, 7, 1).data;
  assert.deepEqual(
    run((s, d) => {
      scaleBrightness(s, d, 1);
    }, random),
    [...random],
  );
});

void test('contrast: mean + (I - mean) * factor around the mean luma', () => {
  // Black and grey 200: mean luma (0 + 200) / 2 = 100 (the Rec. 601 weights sum to 1).
  const src = bytes(0, 0, 0, 200, 200, 200);
  const mean = meanLuma(src);
  assert.ok(Math.abs(mean - 100) < 1e-9, String(mean));
  // 100 + (0 - 100) * 0.5 = 50, 100 + 100 * 0.5 = 150.
  assert.deepEqual(
    run((s, d) => {
      scaleContrast(s, d, 0.5, mean);
    }, src),
    [50, 50, 50, 150, 150, 150],
  );
  assert.deepEqual(
    run((s, d) => {
      scaleContrast(s, d, 0, mean);
    }, src),
    Array(6).fill(100),
  );
  assert.deepEqual(
    run((s, d) => {
      scaleContrast(s, d, 2, mean);
    }, src),
    [0, 0, 0, 255, 255, 255],
  );
  // Pure red: luma 0.299 * 255 = 76.245.
  assert.ok(Math.abs(meanLuma(bytes(255, 0, 0)) - 76.245) < 1e-9);
});

void test('saturation: L + (I - L) * factor per pixel; greys never change', () => {
  // Red: L = 76.245. factor 0 -> 76; factor 0.5: 76.245 + 178.755 / 2 = 165.62 -> 166, and
  // 76.245 / 2 = 38.12 -> 38 for green and blue.
  const red = bytes(255, 0, 0);
  assert.deepEqual(
    run((s, d) => {
      scaleSaturation(s, d, 0);
    }, red),
    [76, 76, 76],
  );
  assert.deepEqual(
    run((s, d) => {
      scaleSaturation(s, d, 0.5);
    }, red),
    [166, 38, 38],
  );
  assert.deepEqual(
    run(
      (s, d) => {
        scaleSaturation(s, d, 3);
      },
      bytes(50, 50, 50),
    ),
    [50, 50, 50],
  );
});

void test('hue: primaries move round the wheel by hand-checked angles', () => {
  const red = bytes(255, 0, 0);
  const hue = (src: Uint8Array, degrees: number): number[] =>
    run((s, d) => {
      rotateHue(s, d, degrees);
    }, src);
  assert.deepEqual(hue(red, 60), [255, 255, 0]);
  assert.deepEqual(hue(red, 120), [0, 255, 0]);
  assert.deepEqual(hue(red, 180), [0, 255, 255]);
  assert.deepEqual(hue(red, 240), [0, 0, 255]);
  assert.deepEqual(hue(red, -120), [0, 0, 255]);
  // (200, 100, 50): hue 20 degrees, max 200, min 50. +90 -> 110 degrees, between yellow and green:
  // red falls to 50 + 150 * (120 - 110) / 60 = 75. -90 -> 290 degrees, between blue and magenta:
  // red rises to 50 + 150 * (290 - 240) / 60 = 175.
  assert.deepEqual(hue(bytes(200, 100, 50), 90), [75, 200, 50]);
  assert.deepEqual(hue(bytes(200, 100, 50), -90), [175, 50, 200]);
  assert.deepEqual(hue(bytes(80, 80, 80), 123), [80, 80, 80]);
});

void test('hue: 0, 360, -360 and 720 degrees reproduce the source exactly; max and min are kept', () => {
  const src = randomRgb(16, 16, 2).data;
  for (const degrees of [0, 360, -360, 720]) {
    assert.deepEqual(
      run((s, d) => {
        rotateHue(s, d, degrees);
      }, src),
      [...src],
      `${degrees}`,
    );
  }
  const turned = run((s, d) => {
    rotateHue(s, d, 77);
  }, src);
  for (let i = 0; i < src.length; i += 3) {
    const before = [src[i] ?? 0, src[i + 1] ?? 0, src[i + 2] ?? 0];
    const after = turned.slice(i, i + 3);
    assert.equal(Math.max(...after), Math.max(...before));
    assert.equal(Math.min(...after), Math.min(...before));
  }
  // Two turns of 100 degrees land within a rounding step of one turn of 200.
  const twice = run(
    (s, d) => {
      rotateHue(s, d, 100);
    },
    Uint8Array.from(
      run((s, d) => {
        rotateHue(s, d, 100);
      }, src),
    ),
  );
  const once = run((s, d) => {
    rotateHue(s, d, 200);
  }, src);
  assert.ok(twice.every((v, i) => Math.abs(v - (once[i] ?? 0)) <= 2));
});

void test('gaussianField: reproducible per seed, standard normal, different for another seed', () => {
  const a = gaussianField(100_001, new Rng(7, 3));
  const b = gaussianField(100_001, new Rng(7, 3));
  const c = gaussianField(100_001, new Rng(8, 3));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  let sum = 0;
  let squares = 0;
  for (const z of a) {
    sum += z;
    squares += z * z;
  }
  const mean = sum / a.length;
  // Standard errors: 1 / sqrt(1e5) = 0.003 for the mean, sqrt(2 / 1e5) = 0.0045 for the variance.
  assert.ok(Math.abs(mean) < 0.015, `mean ${mean}`);
  assert.ok(Math.abs(squares / a.length - mean * mean - 1) < 0.025, 'variance');
  assert.ok(a.every(Number.isFinite));
});

void test('addNoise: I + std * z, clamped; std 0 is the identity', () => {
  const field = Float32Array.from([0.5, -1, 2, 0.25]);
  // 100 + 10 * 0.5 = 105; 5 - 10 = -5 -> 0; 250 + 20 -> 255; 100 + 2.5 = 102.5 -> 103.
  const src = bytes(100, 5, 250, 100);
  assert.deepEqual(
    run((s, d) => {
      addNoise(s, d, field, 10);
    }, src),
    [105, 0, 255, 103],
  );
  assert.deepEqual(
    run((s, d) => {
      addNoise(s, d, field, 0);
    }, src),
    [...src],
  );
});

void test('maskedMean: weighted by mask / 255; null for an empty mask', () => {
  const src = bytes(0, 0, 0, 100, 200, 50);
  assert.deepEqual(maskedMean(src, bytes(255, 0)), [0, 0, 0]);
  assert.deepEqual(maskedMean(src, bytes(255, 255)), [50, 100, 25]);
  // Weights 85 and 170: 100 * 170 / 255 = 66.67, 200 * 2 / 3 = 133.33, 50 * 2 / 3 = 33.33.
  const soft = maskedMean(src, bytes(85, 170));
  assert.ok(soft !== null);
  [66.6667, 133.3333, 33.3333].forEach((v, i) => {
    assert.ok(Math.abs((soft[i] ?? 0) - v) < 1e-3);
  });
  assert.equal(maskedMean(src, bytes(0, 0)), null);
});

void test('recolor: I + t m (target - mean); m = 0 pixels are copied byte for byte', () => {
  const src = bytes(0, 0, 0, 100, 200, 50, 10, 10, 10);
  const mask = bytes(255, 0, 128);
  const target = [200, 100, 50] as const;
  const mean = [0, 0, 0] as const;
  // Pixel 0 (m = 1): 0.5 * (200, 100, 50) = (100, 50, 25). Pixel 2 (m = 128 / 255):
  // 10 + 0.50196 * 0.5 * 200 = 60.2 -> 60, 10 + 25.1 = 35.1 -> 35, 10 + 12.55 = 22.5 -> 23.
  assert.deepEqual(
    run((s, d) => {
      recolor(s, d, mask, target, mean, 0.5);
    }, src),
    [100, 50, 25, 100, 200, 50, 60, 35, 23],
  );
  assert.deepEqual(
    run((s, d) => {
      recolor(s, d, mask, target, mean, 0);
    }, src),
    [...src],
  );
  // Clamping: a target below 0 after the shift stays at 0.
  assert.deepEqual(
    run(
      (s, d) => {
        recolor(s, d, bytes(255), [0, 0, 0], [50, 50, 50], 1);
      },
      bytes(20, 60, 255),
    ),
    [0, 10, 205],
  );
});

void test('recolor at t = 1 moves the masked mean onto the target when nothing clamps', () => {
  const image = randomRgb(20, 10, 3);
  // Squeeze the values into 80..170 so that a shift toward (150, 90, 120) cannot clamp.
  const src = image.data.map((v) => 80 + Math.round((v * 90) / 255));
  const mask = new Uint8Array(200).map((_, p) => (p % 20 < 8 ? 255 : 0));
  const mean = maskedMean(src, mask);
  assert.ok(mean !== null);
  const out = Uint8Array.from(
    run((s, d) => {
      recolor(s, d, mask, [150, 90, 120], mean, 1);
    }, src),
  );
  const after = maskedMean(out, mask);
  assert.ok(after !== null);
  // Each pixel is rounded to a whole level, so the mean lands within half a level.
  after.forEach((v, i) => {
    assert.ok(Math.abs(v - ([150, 90, 120][i] ?? NaN)) <= 0.5, `channel ${i}: ${v}`);
  });
  for (let p = 0; p < 200; p++) {
    if (mask[p] === 0)
      assert.deepEqual(out.subarray(p * 3, p * 3 + 3), src.subarray(p * 3, p * 3 + 3));
  }
});

void test('masked brightness: I (1 + t m (F - 1)); invert edits only where the mask is 0', () => {
  const src = bytes(100, 100, 100, 100, 100, 100, 100, 100, 100);
  const mask = bytes(255, 0, 51);
  // Pixel 0: 100 * (1 + 0.5 * 1) = 150; pixel 1 unchanged; pixel 2: m = 0.2 -> 100 * 1.1 = 110.
  assert.deepEqual(
    run((s, d) => {
      maskedBrightness(s, d, mask, 2, 0.5, false);
    }, src),
    [150, 150, 150, 100, 100, 100, 110, 110, 110],
  );
  // Inverted: m = 0, 1, 0.8 -> 100, 150, 100 * 1.4 = 140.
  assert.deepEqual(
    run((s, d) => {
      maskedBrightness(s, d, mask, 2, 0.5, true);
    }, src),
    [100, 100, 100, 150, 150, 150, 140, 140, 140],
  );
  assert.deepEqual(
    run((s, d) => {
      maskedBrightness(s, d, mask, 2, 0, true);
    }, src),
    [...src],
  );
});

void test('blendPatch: I (1 - a m) + O a m inside the patch, the rest copied', () => {
  const source = solid(4, 4, [100, 100, 100]);
  const overlay = rgbFrom([
    [
      [200, 0, 50],
      [200, 0, 50],
    ],
    [
      [200, 0, 50],
      [200, 0, 50],
    ],
  ]);
  const mask = grayFrom([
    [255, 0],
    [128, 255],
  ]);
  const dst = new Uint8Array(48);
  blendPatch(source, dst, overlay, mask, 1, 2, 0.5);
  const at = (x: number, y: number): number[] => [
    ...dst.subarray((y * 4 + x) * 3, (y * 4 + x) * 3 + 3),
  ];
  // (1, 2), m = 1, a = 0.5: (100 + 200) / 2 = 150, 50, (100 + 50) / 2 = 75.
  assert.deepEqual(at(1, 2), [150, 50, 75]);
  assert.deepEqual(at(2, 2), [100, 100, 100]);
  // (1, 3), m = 128 / 255, a m = 0.25098: 100 + 100 * 0.251 = 125.1 -> 125, 74.9 -> 75, 87.45 -> 87.
  assert.deepEqual(at(1, 3), [125, 75, 87]);
  assert.deepEqual(at(2, 3), [150, 50, 75]);
  for (const [x, y] of [
    [0, 0],
    [3, 3],
    [0, 2],
    [1, 1],
    [3, 2],
  ] as const)
    assert.deepEqual(at(x, y), [100, 100, 100]);
  // No mask: the whole patch at full alpha is the overlay; amount 0 is the source.
  blendPatch(source, dst, overlay, null, 2, 0, 1);
  assert.deepEqual(at(3, 1), [200, 0, 50]);
  blendPatch(source, dst, overlay, null, 2, 0, 0);
  assert.deepEqual([...dst], [...source.data]);
});

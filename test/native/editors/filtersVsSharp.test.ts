// The TypeScript blur and rotation checked against an independent implementation: libvips.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { blurEditor, rotationEditor } from '../../../src/extension/editors/global';
import type { RgbImage } from '../../../src/extension/images/image';
import { loadSharp } from '../../../src/extension/natives/natives';
import { collect, randomRgb } from '../../unit/images/builders';

/** A smooth test pattern with detail on several scales. */
function pattern(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        data[(y * width + x) * 3 + c] = Math.round(
          127 + 120 * Math.sin(x / 3 + c) * Math.cos(y / 4),
        );
      }
    }
  }
  return { width, height, data };
}

async function sharpRaw(
  image: RgbImage,
  op: (s: ReturnType<ReturnType<typeof loadSharp>>) => ReturnType<ReturnType<typeof loadSharp>>,
): Promise<Buffer> {
  const input = loadSharp()(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  });
  return op(input).raw().toBuffer();
}

void test('the blur path agrees with libvips within one grey level at every sigma', async () => {
  const source = pattern(40, 30);
  const ts = [0.125, 0.25, 0.5, 1];
  const frames = await collect(blurEditor.edit({ source, params: { sigma: 4 }, seed: 0 }, ts));
  for (const frame of frames) {
    // libvips' mask reaches 3 sigma with minAmplitude exp(-4.5) = 0.011, like ours; float
    // precision, and it too repeats edge pixels.
    const theirs = await sharpRaw(source, (s) =>
      s.blur({ sigma: frame.parameter, precision: 'float', minAmplitude: 0.011 }),
    );
    let worst = 0;
    for (let i = 0; i < theirs.length; i++)
      worst = Math.max(worst, Math.abs((frame.image.data[i] ?? 0) - (theirs[i] ?? 0)));
    assert.ok(worst <= 1, `sigma ${frame.parameter}: off by ${worst}`);
  }
});

void test('quarter turns agree with libvips exactly, on square and (for 180) oblong images', async () => {
  const square = randomRgb(9, 9, 1);
  const oblong = randomRgb(7, 4, 2);
  const [quarter, , threeQuarters] = await collect(
    rotationEditor.edit({ source: square, params: { degrees: 360 }, seed: 0 }, [0.25, 0.5, 0.75]),
  );
  assert.deepEqual(
    Buffer.from(quarter?.image.data ?? []),
    await sharpRaw(square, (s) => s.rotate(90)),
  );
  assert.deepEqual(
    Buffer.from(threeQuarters?.image.data ?? []),
    await sharpRaw(square, (s) => s.rotate(270)),
  );
  const [half] = await collect(
    rotationEditor.edit({ source: oblong, params: { degrees: 180 }, seed: 0 }, [1]),
  );
  assert.deepEqual(
    Buffer.from(half?.image.data ?? []),
    await sharpRaw(oblong, (s) => s.rotate(180)),
  );
});

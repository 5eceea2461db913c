// The blend editor reads its overlay (and optional overlay mask) from disk once per path.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { blendEditor } from '../../../src/extension/editors/blend';
import { EditorInputError, type EditorParams } from '../../../src/extension/editors/types';
import { ImageInputError } from '../../../src/extension/images/errors';
import { collect, pixel, pngBytes, solid } from '../../unit/images/builders';
import { tempDir } from '../images/fixtures';

const dir = tempDir('blend');
after(() => {
  dir.dispose();
});

const SOURCE = solid(6, 5, [100, 100, 100]);
// A 2x2 patch of (200, 0, 50): opaque, transparent, half (alpha 128) and opaque.
const overlay = dir.file(
  'patch.png',
  pngBytes(2, 2, 8, 6, [200, 0, 50, 255, 200, 0, 50, 0, 200, 0, 50, 128, 200, 0, 50, 255]),
);

function run(params: EditorParams, strengths: number[]) {
  return collect(blendEditor.edit({ source: SOURCE, params, seed: 0 }, strengths));
}

void test('the overlay fades in with its transparency as the weight', async () => {
  const [zero, half, full] = await run({ overlay, x: 3, y: 1 }, [0, 0.5, 1]);
  assert.ok(zero !== undefined && half !== undefined && full !== undefined);
  assert.deepEqual(zero.image.data, SOURCE.data);
  assert.equal(half.parameter, 0.5);
  const image = full.image;
  // t = 1, alpha 1: opaque pixels become the overlay, the transparent one stays the source,
  // the half one is 100 (1 - 128/255) + 200 (128/255) = 150.2 -> 150, 49.8 -> 50, 75.1 -> 75.
  assert.deepEqual(pixel(image, 3, 1), [200, 0, 50]);
  assert.deepEqual(pixel(image, 4, 1), [100, 100, 100]);
  assert.deepEqual(pixel(image, 3, 2), [150, 50, 75]);
  assert.deepEqual(pixel(image, 4, 2), [200, 0, 50]);
  // t = 0.5: half way for the opaque pixels: 150, 50, 75.
  assert.deepEqual(pixel(half.image, 3, 1), [150, 50, 75]);
  // Outside the patch nothing changes at any step.
  for (const [x, y] of [
    [0, 0],
    [2, 1],
    [5, 4],
    [3, 3],
    [5, 0],
  ] as const) {
    assert.deepEqual(pixel(image, x, y), [100, 100, 100]);
  }
});

void test('alpha scales the patch; an overlay mask replaces the transparency', async () => {
  const [frame] = await run({ overlay, x: 0, y: 0, alpha: 0.5 }, [1]);
  assert.deepEqual(pixel(frame?.image ?? SOURCE, 0, 0), [150, 50, 75]);
  assert.equal(frame?.parameter, 0.5);
  // Mask: only the top-right pixel (transparent in the overlay) is blended in.
  const overlayMask = dir.file('patch-mask.png', pngBytes(2, 2, 8, 0, [0, 255, 0, 0]));
  const [masked] = await run({ overlay, overlayMask, x: 0, y: 0 }, [1]);
  const image = masked?.image ?? SOURCE;
  assert.deepEqual(pixel(image, 0, 0), [100, 100, 100]);
  assert.deepEqual(pixel(image, 1, 0), [200, 0, 50]);
  const wrong = dir.file('wrong-mask.png', pngBytes(3, 1, 8, 0, [0, 0, 0]));
  await assert.rejects(
    run({ overlay, overlayMask: wrong }, [1]),
    /wrong-mask\.png: the mask is 3x1 but the image is 2x2/,
  );
});

void test('a patch that does not fit, or an overlay that cannot be read, is refused', async () => {
  await assert.rejects(run({ overlay, x: 5, y: 0 }, [1]), (error: unknown) => {
    assert.ok(error instanceof EditorInputError);
    assert.match(
      error.message,
      /patch\.png \(2x2\) placed at x=5, y=0 extends past the 6x5 image.*Use x <= 4 and y <= 3/,
    );
    return true;
  });
  await assert.rejects(run({ overlay: join(dir.path, 'none.png') }, [1]), (error: unknown) => {
    assert.ok(error instanceof ImageInputError);
    assert.match(error.message, /none\.png does not exist/);
    return true;
  });
});

void test('the overlay is read once: deleting it mid-path does not matter', async () => {
  const copy = dir.file('once.png', pngBytes(1, 1, 8, 2, [0, 0, 0]));
  const seen: number[] = [];
  for await (const frame of blendEditor.edit(
    { source: SOURCE, params: { overlay: copy }, seed: 0 },
    [0, 0.5, 1],
  )) {
    seen.push(pixel(frame.image, 0, 0)[0]);
    rmSync(copy, { force: true });
  }
  assert.deepEqual(seen, [100, 50, 0]);
});

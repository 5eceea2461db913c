import assert from 'node:assert/strict';
import { test } from 'node:test';

import { previewFrames, previewSide } from '../../../src/extension/pipeline/preview';
import { PREVIEW_LIMITS, previewFramesProblem } from '../../../src/shared/previewFrames';

const square = (side: number): { width: number; height: number } => ({
  width: side,
  height: side,
});

void test('frames are previewed at the largest side, smaller for long paths, or not at all', () => {
  // The demo: 21 frames of 224 x 224 are shown as they are (3.2 MB).
  assert.equal(previewSide(Array.from({ length: 21 }, () => square(224))), PREVIEW_LIMITS.maxSide);
  const limits = { maxSide: 100, minSide: 10, maxBytes: 4 * 50 * 50 * 3 };
  // Four 200 x 200 frames at 100 px take 120,000 bytes, four times the limit: half the side fits.
  assert.equal(
    previewSide(
      Array.from({ length: 4 }, () => square(200)),
      limits,
    ),
    50,
  );
  // Rounding: 3 frames of 99 x 99 need 3 x 99 x 99 x 3 bytes at 99 px (more than 30,000); at
  // floor(99 x sqrt(30000 / 88209)) = 57 px they take 29,241.
  assert.equal(
    previewSide(
      Array.from({ length: 3 }, () => square(99)),
      limits,
    ),
    57,
  );
  // Even 10 px frames would take 1,200 bytes.
  assert.equal(
    previewSide(
      Array.from({ length: 4 }, () => square(200)),
      { ...limits, maxBytes: 1000 },
    ),
    null,
  );
});

void test('a preview is every frame downscaled, within the limits the receivers check', () => {
  const frames = Array.from({ length: 4 }, (_, k) => ({
    width: 200,
    height: 100,
    data: new Uint8Array(200 * 100 * 3).fill(k),
  }));
  const limits = { maxSide: 100, minSide: 10, maxBytes: 4 * 50 * 25 * 3 };
  const preview = previewFrames(frames, limits);
  assert.ok(preview !== null);
  assert.deepEqual(
    preview.map((f) => [f.width, f.height, f.pixels[0]]),
    [0, 1, 2, 3].map((k) => [50, 25, k]),
  );
  assert.equal(previewFramesProblem(preview, 4), null);
  assert.equal(previewFrames(frames, { ...limits, maxBytes: 10 }), null);
});

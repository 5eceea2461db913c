// A CLIP export's preprocessor_config.json against transformers' CLIPImageProcessor: its defaults,
// both spellings of size and crop_size, the normalisation the fields give, and the refusals; the
// resize size and the centre crop against transformers' arithmetic (get_resize_output_image_size:
// int(size * long / short); center_crop: top = (h - crop) // 2, zero padding when larger).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  CLIP_MEAN,
  CLIP_STD,
  centreCrop,
  parseClipPreprocessor,
  planImageRuns,
  resizedSize,
  tensorSize,
} from '../../../src/extension/models/clipPreprocess';
import { ModelInputError } from '../../../src/extension/models/types';
import { assertRefuses } from './helpers';

const PATH = '/m/preprocessor_config.json';

test("an empty config is CLIPImageProcessor's defaults: 224, bicubic, 1/255, OpenAI CLIP's statistics", () => {
  assert.deepEqual(parseClipPreprocessor({}, PATH), {
    resize: { shortestEdge: 224 },
    crop: { height: 224, width: 224 },
    kernel: 'cubic',
    normalisation: { range: [0, 1], mean: [...CLIP_MEAN], std: [...CLIP_STD] },
    processorType: null,
  });
});

test('size and crop_size as numbers or objects; the flags turn steps off', () => {
  const a = parseClipPreprocessor(
    { size: 16, crop_size: 12, resample: 2, image_processor_type: 'CLIPImageProcessor' },
    PATH,
  );
  assert.deepEqual(
    [a.resize, a.crop, a.kernel, a.processorType],
    [{ shortestEdge: 16 }, { height: 12, width: 12 }, 'linear', 'CLIPImageProcessor'],
  );
  const b = parseClipPreprocessor(
    {
      size: { height: 20, width: 30 },
      do_center_crop: false,
      do_rescale: false,
      do_normalize: false,
    },
    PATH,
  );
  assert.deepEqual(b.resize, { height: 20, width: 30 });
  assert.equal(b.crop, null);
  // Without rescaling a pixel stays 0..255; without normalising mean 0 and std 1.
  assert.deepEqual(b.normalisation, { range: [0, 255], mean: [0, 0, 0], std: [1, 1, 1] });
  const c = parseClipPreprocessor(
    { do_resize: false, rescale_factor: 1 / 127.5, image_mean: 0.5, image_std: [0.5, 0.25, 2] },
    PATH,
  );
  assert.equal(c.resize, null);
  assert.deepEqual(c.normalisation, { range: [0, 2], mean: [0.5, 0.5, 0.5], std: [0.5, 0.25, 2] });
});

test('bad fields are refused naming the file, the field and the export command', () => {
  const cases: [Record<string, unknown> | unknown[], RegExp][] = [
    [[], /must be a JSON object/],
    [{ size: { longest_edge: 16 } }, /size is .*shortest_edge/],
    [{ size: 0 }, /size is 0/],
    [{ size: 5000 }, /from 1 to 4096/],
    [{ crop_size: { height: 16 } }, /crop_size is/],
    [{ resample: 4 }, /resample is 4; .*3 \(bicubic/],
    [{ rescale_factor: 0 }, /rescale_factor is 0/],
    [{ image_mean: [0.5, 0.5] }, /image_mean is .*3 finite numbers/],
    [{ image_std: [0.5, 0, 0.5] }, /image_std is .*each above 0/],
    [{ do_resize: 'yes' }, /do_resize is "yes"; it must be true or false/],
  ];
  for (const [config, says] of cases) {
    assertRefuses(() => parseClipPreprocessor(config, PATH), {
      names: PATH,
      says: [says, /optimum-cli export onnx --model openai\/clip-vit-base-patch32/],
    });
  }
});

test('resample is one of the codes as a number, not a name every object has', () => {
  // KERNELS.toString is a function: it passed the check, and sharp refused it at the first image.
  for (const resample of ['toString', 'constructor', '__proto__', '3']) {
    assertRefuses(() => parseClipPreprocessor({ resample }, PATH), {
      names: PATH,
      says: [/resample is ".+"; propsweep resizes with 0 \(nearest\)/],
    });
  }
});

test('a deeply nested or long value is quoted short in the refusal', () => {
  const deep: unknown = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
  for (const size of [deep, 'x'.repeat(100_000)]) {
    assert.throws(
      () => parseClipPreprocessor({ size }, PATH),
      (error: unknown) => {
        assert.ok(error instanceof ModelInputError, String(error));
        assert.match(error.message, /size is .*; it must be \{"shortest_edge": N\}/);
        assert.ok(error.message.length < 1000, `${error.message.length} characters`);
        return true;
      },
    );
  }
});

test("resized sizes: the shortest edge to its length, the other floor'd as Python's int()", () => {
  const edge = { shortestEdge: 224 };
  assert.deepEqual(resizedSize(640, 480, edge), [298, 224]); // int(224 * 640 / 480) = int(298.67)
  assert.deepEqual(resizedSize(480, 640, edge), [224, 298]);
  assert.deepEqual(resizedSize(100, 100, edge), [224, 224]);
  assert.deepEqual(resizedSize(30, 20, { height: 8, width: 9 }), [9, 8]);
  assert.deepEqual(resizedSize(30, 20, null), [30, 20]);
  assert.deepEqual(tensorSize(640, 480, { resize: edge, crop: { height: 3, width: 5 } }), [5, 3]);
  assert.deepEqual(tensorSize(640, 480, { resize: edge, crop: null }), [298, 224]);
});

test('centre crop: the window at floor((size - crop) / 2), black outside a smaller image', () => {
  // A 4x3 image whose pixel (x, y) is [10y + x, 0, 1].
  const pixels = Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => {
    const p = Math.floor(i / 3);
    return i % 3 === 0 ? 10 * Math.floor(p / 4) + (p % 4) : i % 3 === 1 ? 0 : 1;
  });
  const red = (out: Uint8Array): number[] => Array.from(out.filter((_, i) => i % 3 === 0));
  // 2x1 from 4x3: top = (3 - 1) // 2 = 1, left = (4 - 2) // 2 = 1.
  assert.deepEqual(red(centreCrop(pixels, 4, 3, 2, 1)), [11, 12]);
  // 3x2: top = 0, left = 0 ((4 - 3) // 2).
  assert.deepEqual(red(centreCrop(pixels, 4, 3, 3, 2)), [0, 1, 2, 10, 11, 12]);
  // 6x4 from 4x3: top = (3 - 4) // 2 = -1, left = (4 - 6) // 2 = -1; the outside is 0 in every channel.
  const padded = centreCrop(pixels, 4, 3, 6, 4);
  assert.deepEqual(
    red(padded),
    [0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 10, 11, 12, 13, 0, 0, 20, 21, 22, 23, 0],
  );
  assert.equal(padded[2], 0, 'blue of a padded pixel');
  assert.equal(padded[(1 * 6 + 1) * 3 + 2], 1, 'blue of an image pixel');
  assert.equal(centreCrop(pixels, 4, 3, 4, 3), pixels, 'the same size is untouched');
});

test('images run in batches of one tensor size, within the batch bound; a fixed batch too large is refused', () => {
  const cropped = { resize: { shortestEdge: 16 }, crop: { height: 16, width: 16 } };
  const sizes = [
    { width: 20, height: 16 },
    { width: 16, height: 30 },
    { width: 40, height: 40 },
  ];
  // Cropped: every image is 16x16, so runs follow the batch size only.
  assert.deepEqual(planImageRuns(sizes, cropped, null, 2, 'm.onnx'), [
    { start: 0, count: 2, size: 2 },
    { start: 2, count: 1, size: 1 },
  ]);
  // A fixed batch: runs of exactly that size, the last one padded.
  assert.deepEqual(planImageRuns(sizes, cropped, 4, 2, 'm.onnx'), [
    { start: 0, count: 3, size: 4 },
  ]);
  // Without a crop, a new tensor size starts a new run.
  const resized = { resize: { shortestEdge: 16 }, crop: null };
  assert.deepEqual(
    planImageRuns(sizes, resized, null, 8, 'm.onnx').map((r) => r.count),
    [1, 1, 1],
  );
  // 2048 px crops take 48 MiB each: five fit in the 256 MiB bound, and a fixed batch of six is refused.
  const big = { resize: null, crop: { height: 2048, width: 2048 } };
  const many = Array.from({ length: 7 }, () => ({ width: 2048, height: 2048 }));
  assert.deepEqual(
    planImageRuns(many, big, null, 32, 'm.onnx').map((r) => r.count),
    [5, 2],
  );
  assert.throws(
    () => planImageRuns(many, big, 6, 32, 'm.onnx'),
    /m\.onnx fixes its image batch at 6: one run of 2048x2048 images would take 288 MiB, more than the limit of 256 MiB/,
  );
});

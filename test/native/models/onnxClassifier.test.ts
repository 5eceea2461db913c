// The ONNX classifier on the tiny fixture models (test/fixtures/models/README.md). Every red/blue
// model computes logit0 = 4 * (meanR - meanB), logit1 = -logit0 over the tensor it receives, so
// the expected numbers below are worked out by hand from the image and the preprocessing.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import type * as Ort from 'onnxruntime-node';

import type { RgbImage } from '../../../src/extension/images/image';
import { loadOrt } from '../../../src/extension/natives/natives';
import {
  loadClassifier,
  loadClassifierWith,
  type LoadClassifierOptions,
} from '../../../src/extension/models/onnxClassifier';
import { softmax } from '../../../src/extension/models/outputs';
import { IMAGENET_MEAN, IMAGENET_STD } from '../../../src/extension/models/preprocess';
import type { Classifier } from '../../../src/extension/models/types';
import { ROOT } from '../../unit/helpers';
import {
  assertNear,
  assertRejects,
  assertRowsNear,
  noiseImages,
  painted,
  solid,
} from '../../unit/models/helpers';
import { tempDir } from '../images/fixtures';

const fixture = (name: string): string => join(ROOT, 'test', 'fixtures', 'models', `${name}.onnx`);
const RAW = { flags: { softmax: false } } as const;

const RED = solid(8, 8, [255, 0, 0]);
const BLUE = solid(8, 8, [0, 0, 255]);
const GREEN = solid(8, 8, [0, 255, 0]);
// Top 6 rows red, bottom 2 rows blue: meanR = 0.75, meanB = 0.25 -> logit0 = 4 * 0.5 = 2.
const MIXED = painted(8, 8, (_, y) => (y < 6 ? [255, 0, 0] : [0, 0, 255]));
// 64x16 red with 8-column blue bands at both ends (a quarter of the area).
const BANDED = painted(64, 16, (x) => (x < 8 || x >= 56 ? [0, 0, 255] : [255, 0, 0]));
// Assorted sizes, so every path resizes some images and not others.
const NOISE = [
  ...noiseImages(3, 8, 8, 7),
  ...noiseImages(2, 13, 9, 8),
  ...noiseImages(1, 30, 40, 9),
];

/** Loads a fixture, runs `images`, disposes, and returns the rows as plain arrays. */
async function predict(
  name: string,
  images: readonly RgbImage[],
  options: LoadClassifierOptions = {},
): Promise<number[][]> {
  const classifier = await loadClassifier(fixture(name), options);
  try {
    return (await classifier.predict(images)).map((row) => Array.from(row));
  } finally {
    await classifier.dispose();
  }
}

describe('tiny-nchw: logits worked out by hand', () => {
  test('pure red, pure blue and a 3:1 red/blue image', async () => {
    // Identity normalisation (sidecar): red means (1, 0, 0) -> 4 * (1 - 0) = 4.
    const rows = await predict('tiny-nchw', [RED, BLUE, MIXED], RAW);
    assertRowsNear(
      rows,
      [
        [4, -4],
        [-4, 4],
        [2, -2],
      ],
      1e-6,
      'logits',
    );
  });

  test('softmax is on by default for logits', async () => {
    // softmax([4, -4]) = [1 / (1 + e^-8), e^-8 / (1 + e^-8)]
    const rows = await predict('tiny-nchw', [RED, MIXED]);
    assertRowsNear(
      rows,
      [[0.9996646498695336, 0.00033535013046647816], Array.from(softmax([2, -2]))],
      1e-6,
      'p',
    );
  });

  test('each resize mode, on a 64x16 image resized to 8x8', async () => {
    // fill keeps the bands: meanR 0.75, meanB 0.25 -> 2.
    assertRowsNear(await predict('tiny-nchw', [BANDED], RAW), [[2, -2]], 0.02, 'fill');
    // cover crops the centre 8 of 32 scaled columns: pure red -> 4.
    const cover = { flags: { softmax: false, resize: 'cover' } } as const;
    assertRowsNear(await predict('tiny-nchw', [BANDED], cover), [[4, -4]], 1e-6, 'cover');
    // contain pads the 8x2 image with 6 black rows: 4 * (0.1875 - 0.0625) = 0.5.
    const contain = { flags: { softmax: false, resize: 'contain' } } as const;
    assertRowsNear(await predict('tiny-nchw', [BANDED], contain), [[0.5, -0.5]], 0.01, 'contain');
  });

  test('mean/std and BGR flags change the tensor as the formula says', async () => {
    // (p/255 - 0.5) / 0.5: red R = 1, B = -1 -> 4 * (1 - (-1)) = 8.
    const norm = {
      flags: { softmax: false, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
    } as const;
    assertRowsNear(await predict('tiny-nchw', [RED], norm), [[8, -8]], 1e-6, 'mean/std');
    // BGR: the model's channel 0 gets blue, so a red image looks blue.
    const bgr = { flags: { softmax: false, channelOrder: 'BGR' } } as const;
    assertRowsNear(await predict('tiny-nchw', [RED], bgr), [[-4, 4]], 1e-6, 'BGR');
  });

  test('info describes the model, its sidecar and the file hash', async () => {
    const classifier = await loadClassifier(fixture('tiny-nchw'));
    await classifier.dispose();
    const { info } = classifier;
    const bytes = await readFile(fixture('tiny-nchw'));
    assert.equal(info.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.deepEqual(
      {
        inputName: info.inputName,
        outputName: info.outputName,
        inputType: info.inputType,
        fixedBatch: info.fixedBatch,
        outputs: info.outputs,
        labels: info.labels,
        provider: info.provider,
        fallbackReason: info.fallbackReason,
      },
      {
        inputName: 'image',
        outputName: 'logits',
        inputType: 'float32',
        fixedBatch: null,
        outputs: 2,
        labels: ['red', 'blue'],
        provider: 'cpu',
        fallbackReason: null,
      },
    );
    assert.equal(info.configSources.mean, 'sidecar');
    assert.equal(info.configSources.softmax, 'default');
    assert.equal(info.preprocess.softmax, true);
  });
});

describe('layouts, types and sizes', () => {
  test('NHWC without a sidecar: ImageNet defaults, same numbers as NCHW told the same', async () => {
    const logs: string[] = [];
    const classifier = await loadClassifier(fixture('tiny-nhwc'), {
      ...RAW,
      log: (m) => logs.push(m),
    });
    const nhwc = (await classifier.predict([RED, ...NOISE])).map((r) => Array.from(r));
    await classifier.dispose();
    // 4 * ((1 - 0.485) / 0.229 - (0 - 0.406) / 0.225) = 16.213410965550704 (Python)
    assertNear(nhwc[0]?.[0] ?? NaN, 16.213410965550704, 1e-4, 'red under ImageNet normalisation');
    const nchw = await predict('tiny-nchw', [RED, ...NOISE], {
      flags: { softmax: false, mean: IMAGENET_MEAN, std: IMAGENET_STD },
    });
    assertRowsNear(nhwc, nchw, 1e-5, 'NHWC vs NCHW');
    assert.equal(classifier.info.preprocess.layout, 'NHWC');
    assert.deepEqual(classifier.info.labels, ['class 0', 'class 1']);
    assert.equal(classifier.info.configSources.layout, 'default');
    assert.match(
      logs.join('\n'),
      /assumed resize "fill", range \[0, 1\], mean \[0\.485, 0\.456, 0\.406\]/,
    );
    assert.doesNotMatch(logs.join('\n'), /layout|inputSize/); // settled by [batch, 8, 8, 3]
    assert.match(logs.join('\n'), /Write .*tiny-nhwc\.json to state them/);
  });

  test('float16 in and out is close to float32', async () => {
    const fp16 = await predict('tiny-fp16', [RED, BLUE, ...NOISE], RAW);
    const fp32 = await predict('tiny-nchw', [RED, BLUE, ...NOISE], RAW);
    // Half precision: inputs to ~2^-11 relative, logits up to 4 to ~2^-9 absolute.
    assertRowsNear(fp16, fp32, 0.01, 'fp16 vs fp32');
    assert.deepEqual(fp16.slice(0, 2), [
      [4, -4],
      [-4, 4],
    ]); // 4 is exact in half precision
  });

  test('a model without fixed image size gets 224x224, or the size flag', async () => {
    const classifier = await loadClassifier(fixture('tiny-any-size'), RAW);
    try {
      assert.deepEqual(classifier.info.preprocess.inputSize, [224, 224]);
      assert.equal(classifier.info.configSources.inputSize, 'default');
      // Upscaled to 224x224, still pure red; ImageNet defaults as for tiny-nhwc above. The
      // tolerance is float32 summation over 50176 values in GlobalAveragePool (~3e-5 relative).
      const [row] = await classifier.predict([RED]);
      assertNear(row?.[0] ?? NaN, 16.213410965550704, 1e-3, 'red at 224x224');
    } finally {
      await classifier.dispose();
    }
    const flags = { softmax: false, size: [16, 16], mean: [0, 0, 0], std: [1, 1, 1] } as const;
    // Solid colours stay solid when upscaled to 16x16.
    const rows = await predict('tiny-any-size', [RED, BLUE], { flags });
    assertRowsNear(
      rows,
      [
        [4, -4],
        [-4, 4],
      ],
      1e-6,
      'size flag',
    );
  });
});

describe('batching', () => {
  test('a fixed batch of 4 gives the same rows for 1, 4, 5 and 9 images as one by one', async () => {
    const images = noiseImages(9, 8, 8, 42);
    const oneByOne = (
      await Promise.all(images.map((image) => predict('tiny-nchw', [image], RAW)))
    ).flat();
    const fixed = await loadClassifier(fixture('tiny-fixed-batch'), RAW);
    try {
      assert.equal(fixed.info.fixedBatch, 4);
      for (const n of [1, 4, 5, 9]) {
        const rows = (await fixed.predict(images.slice(0, n))).map((r) => Array.from(r));
        assertRowsNear(rows, oneByOne.slice(0, n), 1e-6, `${n} images`);
      }
    } finally {
      await fixed.dispose();
    }
  });

  test('a dynamic batch gives the same rows whatever the batch size', async () => {
    const images = noiseImages(5, 8, 8, 43);
    const small = await predict('tiny-nchw', images, { ...RAW, batchSize: 2 });
    const large = await predict('tiny-nchw', images, RAW);
    assertRowsNear(small, large, 1e-6, 'batchSize 2 vs 16');
    assert.deepEqual(await predict('tiny-nchw', []), []);
  });
});

describe('outputs', () => {
  test('a probabilities model is passed through, not softmaxed twice', async () => {
    const classifier = await loadClassifier(fixture('tiny-probs'));
    const rows = (await classifier.predict([RED, MIXED])).map((r) => Array.from(r));
    await classifier.dispose();
    assert.equal(classifier.info.preprocess.outputKind, 'probabilities');
    assert.equal(classifier.info.preprocess.softmax, false);
    // Softmax of [4, -4] and [2, -2], computed once (twice would give ~[0.73, 0.27]).
    assertRowsNear(
      rows,
      [[0.9996646498695336, 0.00033535013046647816], Array.from(softmax([2, -2]))],
      1e-6,
      'p',
    );
  });

  test('NaN is reported with the image index, not averaged away', async () => {
    // nan.onnx adds 0 * sqrt(meanG - 0.5): finite for green images, NaN otherwise.
    assertRowsNear(await predict('nan', [GREEN], RAW), [[0, 0]], 0, 'green is finite');
    await assertRejects(predict('nan', [GREEN, GREEN, GREEN, RED]), {
      names: fixture('nan'),
      says: [
        /produced NaN for image 3 \(0-based, of 4\)/,
        /the model or its preprocessing is broken/,
      ],
    });
    // One image a batch: the next batch is being prepared when the failing one runs.
    await assertRejects(predict('nan', [GREEN, RED, GREEN], { batchSize: 1 }), {
      names: fixture('nan'),
      says: [/produced NaN for image 1 \(0-based, of 3\)/],
    });
  });
});

describe('execution providers', () => {
  test('cuda without its libraries falls back to CPU, says why, and gives the CPU numbers', async () => {
    const logs: string[] = [];
    const classifier = await loadClassifier(fixture('tiny-nchw'), {
      ...RAW,
      provider: 'cuda',
      deviceId: 0,
      log: (m) => logs.push(m),
    });
    try {
      assert.equal(classifier.info.provider, 'cpu');
      assert.match(classifier.info.fallbackReason ?? '', /Cuda.*Failed to load shared library/i);
      assert.ok((classifier.info.fallbackReason ?? '').length <= 300);
      assert.match(
        logs.join('\n'),
        /the cuda provider is not available .*; using CPU\. .*ONNXRUNTIME_NODE_INSTALL=cuda12/,
      );
      assertRowsNear(
        (await classifier.predict([RED])).map((r) => Array.from(r)),
        [[4, -4]],
        1e-6,
        'logits',
      );
    } finally {
      await classifier.dispose();
    }
  });

  test('a provider that opens the model but fails its first run falls back to CPU', async () => {
    // onnxruntime with a pretend WebGPU provider: the session is a real CPU one whose run() fails.
    const real = loadOrt();
    const create = async (
      path: string,
      options?: Ort.InferenceSession.SessionOptions,
    ): Promise<Ort.InferenceSession> => {
      const session = await real.InferenceSession.create(path);
      if (options?.executionProviders?.[0] !== 'webgpu') return session;
      return new Proxy(session, {
        get(target, key): unknown {
          if (key === 'run')
            return () => Promise.reject(new Error('webgpu: device lost\n  at run'));
          const value: unknown = Reflect.get(target, key);
          return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
        },
      });
    };
    const ort = {
      ...real,
      InferenceSession: { ...real.InferenceSession, create },
    } as typeof real;
    const logs: string[] = [];
    const classifier = await loadClassifierWith(() => ort, fixture('tiny-nchw'), {
      ...RAW,
      provider: 'webgpu',
      log: (m) => logs.push(m),
    });
    try {
      assert.equal(classifier.info.provider, 'cpu');
      assert.equal(classifier.info.fallbackReason, 'webgpu: device lost');
      assert.match(
        logs.join('\n'),
        /the webgpu provider failed its first run \(webgpu: device lost\); using CPU/,
      );
      const rows = (await classifier.predict([RED])).map((r) => Array.from(r));
      assertRowsNear(rows, [[4, -4]], 1e-6, 'logits on the CPU session');
    } finally {
      await classifier.dispose();
    }
  });

  test('a provider this build does not have (DirectML on Linux) falls back too', async () => {
    const classifier = await loadClassifier(fixture('tiny-nchw'), { provider: 'dml' });
    await classifier.dispose();
    assert.equal(classifier.info.provider, 'cpu');
    assert.match(classifier.info.fallbackReason ?? '', /dml/);
  });
});

describe('refused models', () => {
  const dir = tempDir('models');
  after(() => {
    dir.dispose();
  });

  const notOnnx = [/is not a valid ONNX model: .*Protobuf parsing failed/, /torch\.onnx\.export/];

  test('random bytes, a PNG renamed to .onnx, and a truncated model', async () => {
    const files = {
      'random.onnx': Uint8Array.of(0x12, 0x34, 0xab, 0xcd, 0xef, 0x01, 0x99, 0x00, 0x42),
      // The PNG signature and the start of an IHDR chunk.
      'picture.onnx': Uint8Array.of(
        0x89,
        0x50,
        0x4e,
        0x47,
        0x0d,
        0x0a,
        0x1a,
        0x0a,
        0,
        0,
        0,
        13,
        0x49,
        0x48,
        0x44,
        0x52,
      ),
      'truncated.onnx': (await readFile(fixture('tiny-nchw'))).subarray(0, 200),
    };
    for (const [name, bytes] of Object.entries(files)) {
      const path = dir.file(name, bytes);
      await assertRejects(loadClassifier(path), { names: path, says: notOnnx });
    }
  });

  test('a missing file, an empty file and a directory', async () => {
    const missing = join(dir.path, 'missing.onnx');
    await assertRejects(loadClassifier(missing), {
      names: missing,
      says: [/does not exist/, /Check the path/],
    });
    const empty = dir.file('empty.onnx', new Uint8Array(0));
    await assertRejects(loadClassifier(empty), {
      names: empty,
      says: [/is empty \(0 bytes\)/, /Export or copy the model again/],
    });
    const folder = join(dir.path, 'folder.onnx');
    await mkdir(folder);
    await assertRejects(loadClassifier(folder), { names: folder, says: [/is not a file/] });
  });

  test('valid ONNX that is not an RGB image classifier', async () => {
    await assertRejects(loadClassifier(fixture('bad-rank')), {
      names: fixture('bad-rank'),
      says: [/"sequence" float32 \[batch, 3, 8\], a rank-3 tensor/, /\[batch, 3, height, width\]/],
    });
    await assertRejects(loadClassifier(fixture('bad-channels')), {
      names: fixture('bad-channels'),
      says: [/takes 1-channel images/, /3-channel input/],
    });
  });

  test('a broken sidecar names the sidecar', async () => {
    const model = join(dir.path, 'net.onnx');
    await copyFile(fixture('tiny-nchw'), model);
    const sidecar = dir.file('net.json', JSON.stringify({ version: 1, std: [0.2, 0, 0.2] }));
    await assertRejects(loadClassifier(model), {
      names: sidecar,
      says: [/"std" must be greater than 0/, /"std": \[0\.229, 0\.224, 0\.225\]/],
    });
  });

  test('flags that contradict the model', async () => {
    const path = fixture('tiny-nchw');
    await assertRejects(loadClassifier(path, { flags: { labels: ['a', 'b', 'c'] } }), {
      names: path,
      says: [/outputs 2 scores per image, but 3 labels were given \(the labels option\)/],
    });
    await assertRejects(loadClassifier(path, { flags: { layout: 'NHWC' } }), {
      names: path,
      says: [/the model is NCHW/, /Set the layout option to "NCHW"/],
    });
    await assertRejects(loadClassifier(path, { flags: { size: [16, 16] } }), {
      names: path,
      says: [/takes 8x8 images/, /Set the size option to \[8, 8\]/],
    });
  });
});

describe('lifecycle', () => {
  let classifier: Classifier;
  before(async () => {
    classifier = await loadClassifier(fixture('tiny-nchw'), { ...RAW, batchSize: 1 });
  });
  after(async () => {
    await classifier.dispose();
  });

  test('an aborted signal stops before the next batch', async () => {
    const before = new AbortController();
    before.abort();
    await assert.rejects(classifier.predict([RED], before.signal), { name: 'AbortError' });
    // Aborted while the first of 40 single-image batches runs: the loop must stop, not finish.
    const during = new AbortController();
    const running = classifier.predict(noiseImages(40, 8, 8, 3), during.signal);
    setImmediate(() => {
      during.abort();
    });
    await assert.rejects(running, { name: 'AbortError' });
  });

  test('a malformed image is refused with its index', async () => {
    const bad = { width: 8, height: 8, data: new Uint8Array(10) };
    await assert.rejects(classifier.predict([RED, bad]), /image 1 is 8x8 with 3 channel\(s\)/);
  });

  test('dispose releases the session once; predicting afterwards fails clearly', async () => {
    const own = await loadClassifier(fixture('tiny-nchw'));
    await own.dispose();
    await own.dispose();
    await assert.rejects(own.predict([RED]), /was disposed/);
  });
});

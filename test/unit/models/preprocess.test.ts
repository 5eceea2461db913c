// Resolving the preprocessing: flags beat the sidecar, the sidecar beats defaults, defaults come
// from the input shape where it says something; every field reports where it came from.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  assumedDefaults,
  defaultLabels,
  defaultsFromShape,
  IMAGENET_MEAN,
  IMAGENET_STD,
  resolvePreprocess,
} from '../../../src/extension/models/preprocess';
import type { LoadedSidecar } from '../../../src/extension/models/sidecar';
import { ModelInputError } from '../../../src/extension/models/types';

const NCHW_64 = { shape: ['batch', 3, 64, 64] };
const sidecar = (values: Omit<LoadedSidecar['values'], 'version'>): LoadedSidecar => ({
  path: '/m/net.json',
  values: { version: 1, ...values },
});

describe('defaults from the input shape', () => {
  test('the 3-channel axis gives the layout, fixed spatial dims give the size', () => {
    assert.deepEqual(defaultsFromShape(['batch', 3, 64, 32]), {
      layout: 'NCHW',
      inputSize: [64, 32],
    });
    assert.deepEqual(defaultsFromShape(['batch', 48, 40, 3]), {
      layout: 'NHWC',
      inputSize: [48, 40],
    });
    assert.deepEqual(defaultsFromShape([1, 3, 'h', 'w']), {
      layout: 'NCHW',
      inputSize: [224, 224],
    });
    // Nothing says where the channels are: channels first, as torch exports them.
    assert.deepEqual(defaultsFromShape(['n', 'c', 'h', 'w']), {
      layout: 'NCHW',
      inputSize: [224, 224],
    });
    // Ambiguous [n, 3, 3, 3] stays NCHW; a given layout picks the spatial axes.
    assert.equal(defaultsFromShape(['n', 3, 3, 3]).layout, 'NCHW');
    assert.deepEqual(defaultsFromShape(['n', 3, 64, 32], 'NHWC').inputSize, [3, 64]);
  });

  test('a model without a sidecar gets ImageNet normalisation and softmax over logits', () => {
    const { config, sources } = resolvePreprocess(null, {}, { shape: ['batch', 96, 128, 3] });
    assert.deepEqual(config, {
      layout: 'NHWC',
      inputSize: [96, 128],
      resize: 'fill',
      range: [0, 1],
      mean: IMAGENET_MEAN,
      std: IMAGENET_STD,
      channelOrder: 'RGB',
      labels: null,
      outputKind: 'logits',
      softmax: true,
    });
    assert.ok(Object.values(sources).every((s) => s === 'default'));
    assert.deepEqual(IMAGENET_MEAN, [0.485, 0.456, 0.406]);
    assert.deepEqual(IMAGENET_STD, [0.229, 0.224, 0.225]);
  });

  test('labels default to "class 0" .. "class C-1"', () => {
    assert.deepEqual(defaultLabels(3), ['class 0', 'class 1', 'class 2']);
  });
});

describe('sources', () => {
  test('sidecar values are used and reported as such; the rest stay defaults', () => {
    const { config, sources } = resolvePreprocess(
      sidecar({ mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], labels: ['cat', 'dog'] }),
      {},
      NCHW_64,
    );
    assert.deepEqual(config.mean, [0.5, 0.5, 0.5]);
    assert.deepEqual(config.labels, ['cat', 'dog']);
    assert.equal(sources.mean, 'sidecar');
    assert.equal(sources.std, 'sidecar');
    assert.equal(sources.labels, 'sidecar');
    assert.equal(sources.inputSize, 'default');
    assert.deepEqual(config.inputSize, [64, 64]);
  });

  test('flags beat the sidecar field by field', () => {
    const { config, sources } = resolvePreprocess(
      sidecar({ mean: [0.5, 0.5, 0.5], resize: 'cover', labels: ['cat', 'dog'] }),
      { mean: [0, 0, 0], size: [32, 32], labels: ['a', 'b'] },
      NCHW_64,
    );
    assert.deepEqual(config.mean, [0, 0, 0]);
    assert.deepEqual(config.inputSize, [32, 32]);
    assert.deepEqual(config.labels, ['a', 'b']);
    assert.equal(config.resize, 'cover');
    assert.deepEqual(
      {
        mean: sources.mean,
        inputSize: sources.inputSize,
        labels: sources.labels,
        resize: sources.resize,
      },
      { mean: 'flag', inputSize: 'flag', labels: 'flag', resize: 'sidecar' },
    );
  });

  test('a layout flag moves the spatial axes the default size is read from', () => {
    const { config } = resolvePreprocess(null, { layout: 'NHWC' }, { shape: ['n', 3, 20, 10] });
    assert.deepEqual(config.inputSize, [3, 20]);
  });

  test('probabilities get no softmax by default; softmax can be turned off for logits', () => {
    const probs = resolvePreprocess(sidecar({ outputKind: 'probabilities' }), {}, NCHW_64);
    assert.equal(probs.config.softmax, false);
    assert.equal(probs.sources.softmax, 'default');
    const raw = resolvePreprocess(null, { softmax: false }, NCHW_64);
    assert.equal(raw.config.softmax, false);
    assert.equal(raw.sources.softmax, 'flag');
  });

  test('a softmax over probabilities is refused, naming both sources', () => {
    assert.throws(
      () => resolvePreprocess(sidecar({ outputKind: 'probabilities' }), { softmax: true }, NCHW_64),
      (e: unknown) =>
        e instanceof ModelInputError &&
        /outputKind "probabilities" \(the sidecar \/m\/net\.json\)/.test(e.message) &&
        /softmax on \(the softmax option\)/.test(e.message) &&
        /Turn softmax off/.test(e.message),
    );
  });

  test('flag values are validated like sidecar values', () => {
    assert.throws(
      () => resolvePreprocess(null, { std: [0.2, 0, 0.2] }, NCHW_64),
      (e: unknown) =>
        e instanceof ModelInputError &&
        /option std must be greater than 0/.test(e.message) &&
        /\[0\.229, 0\.224, 0\.225\]/.test(e.message),
    );
    assert.throws(
      () => resolvePreprocess(null, { size: [0, 10] }, NCHW_64),
      (e: unknown) =>
        e instanceof ModelInputError && /option size must be two whole numbers/.test(e.message),
    );
    assert.throws(
      () => resolvePreprocess(null, { labels: ['x', 'x'] }, NCHW_64),
      (e: unknown) => e instanceof ModelInputError && /option labels/.test(e.message),
    );
  });

  test('assumedDefaults lists the guesses, not what the model settles', () => {
    const guessed = ['resize "fill"', 'range [0, 1]', 'mean [0.485, 0.456, 0.406]'];
    const rest = [
      'std [0.229, 0.224, 0.225]',
      'channelOrder RGB',
      'labels "class 0", "class 1", ...',
    ];
    const kind = ['outputKind "logits"', 'softmax on'];
    // [batch, 3, 64, 64] settles the layout and the size.
    assert.deepEqual(assumedDefaults(resolvePreprocess(null, {}, NCHW_64), NCHW_64), [
      ...guessed,
      ...rest,
      ...kind,
    ]);
    // [n, c, h, w] settles nothing: channels first and 224x224 are guesses too.
    const open = { shape: ['n', 'c', 'h', 'w'] };
    assert.deepEqual(assumedDefaults(resolvePreprocess(null, {}, open), open), [
      'layout NCHW',
      'inputSize [224, 224]',
      ...guessed,
      ...rest,
      ...kind,
    ]);
    // A stated outputKind settles the softmax; stated fields are never listed.
    const stated = resolvePreprocess(
      sidecar({ mean: [0, 0, 0], std: [1, 1, 1], labels: ['a', 'b'], outputKind: 'logits' }),
      { resize: 'fill', range: [0, 1] },
      NCHW_64,
    );
    assert.deepEqual(assumedDefaults(stated, NCHW_64), ['channelOrder RGB']);
  });
});

// Models whose declared sizes would take gigabytes, or whose outputs would not fit a result, are
// refused on load, before any run: each averages its input's channels into logits (averagingModel,
// built with the fixture writer in scripts/onnx).
import { after, describe, test } from 'node:test';

import { loadClassifier } from '../../../src/extension/models/onnxClassifier';
import { assertRejects, averagingModel } from '../../unit/models/helpers';
import { tempDir } from '../images/fixtures';

describe('models beyond the size limits', () => {
  const dir = tempDir('limits');
  after(() => {
    dir.dispose();
  });

  test('a declared 8192 x 8192 input is refused on load with a message', async () => {
    const path = dir.file('huge.onnx', averagingModel([1, 3, 8192, 8192], 2));
    await assertRejects(loadClassifier(path), {
      names: path,
      says: [/8192x8192 images/, /at most 4096 pixels a side/],
    });
  });

  test('a fixed batch too large for one run is refused on load', async () => {
    const path = dir.file('batch.onnx', averagingModel([512, 3, 512, 512], 2));
    await assertRejects(loadClassifier(path), {
      names: path,
      says: [/fixes its batch at 512 images of 512x512/, /dynamic batch axis/],
    });
  });

  test('more scores per image than a result may hold are refused on load', async () => {
    const path = dir.file('classes.onnx', averagingModel(['batch', 3, 8, 8], 100_001));
    await assertRejects(loadClassifier(path, { flags: { softmax: false } }), {
      names: path,
      says: [/outputs 100,001 scores per image/],
    });
  });
});

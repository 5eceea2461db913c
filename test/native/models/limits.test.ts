// Models whose declared sizes would take gigabytes are refused on load, before any run: built here
// with the fixture writer (scripts/onnx), each averages its input's channels into two logits.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { loadClassifier } from '../../../src/extension/models/onnxClassifier';
import { DATA_TYPE, modelProto, type Dim } from '../../../scripts/onnx/onnx';
import { assertRejects } from '../../unit/models/helpers';

/** input `shape` (NCHW) -> GlobalAveragePool -> Flatten -> Gemm -> [batch, classes] logits. */
function averagingModel(shape: readonly Dim[], classes: number): Uint8Array {
  return modelProto({
    name: 'big',
    doc: 'propsweep test: a declared size beyond the limits',
    opset: 17,
    inputs: [{ name: 'image', type: DATA_TYPE.float, shape }],
    outputs: [{ name: 'logits', type: DATA_TYPE.float, shape: [shape[0] ?? 'batch', classes] }],
    initializers: [
      { name: 'w', dims: [classes, 3], values: Array.from({ length: classes * 3 }, () => 0.1) },
      { name: 'b', dims: [classes], values: Array.from({ length: classes }, () => 0) },
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

describe('models beyond the size limits', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'propsweep-limits-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function write(name: string, bytes: Uint8Array): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, bytes);
    return path;
  }

  test('a declared 8192 x 8192 input is refused on load with a message', async () => {
    const path = await write('huge.onnx', averagingModel([1, 3, 8192, 8192], 2));
    await assertRejects(loadClassifier(path), {
      names: path,
      says: [/8192x8192 images/, /at most 4096 pixels a side/],
    });
  });

  test('a fixed batch too large for one run is refused on load', async () => {
    const path = await write('batch.onnx', averagingModel([512, 3, 512, 512], 2));
    await assertRejects(loadClassifier(path), {
      names: path,
      says: [/fixes its batch at 512 images of 512x512/, /dynamic batch axis/],
    });
  });

  test('more scores per image than a result may hold are refused on load', async () => {
    const path = await write('classes.onnx', averagingModel(['batch', 3, 8, 8], 100_001));
    await assertRejects(loadClassifier(path, { flags: { softmax: false } }), {
      names: path,
      says: [/outputs 100,001 scores per image/],
    });
  });
});

// A runtime with a global Float16Array (Node 23+, Electron 43) makes onnxruntime-common hand the
// Node binding Float16Array data, which it refuses (microsoft/onnxruntime#26791). Node 20 has no
// Float16Array, so a stand-in is installed before onnxruntime loads, in a process of its own:
// one the binding cannot read as uint16 (an Int8Array underneath), as the real one is not read.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

import { ROOT } from '../../unit/helpers';

const script = (load: 'ours' | 'plain'): string => `
class Float16Array extends Int8Array {
  constructor(buffer, offset, length) { super(buffer, offset, length); }
}
globalThis.Float16Array = Float16Array;
const { toFloat16Array, fromFloat16Array } = require(${JSON.stringify(join(ROOT, 'src/shared/float16.ts'))});
const ort = ${load === 'ours' ? `require(${JSON.stringify(join(ROOT, 'src/extension/natives/natives.ts'))}).loadOrt()` : "require('onnxruntime-node')"};
(async () => {
  const session = await ort.InferenceSession.create(${JSON.stringify(join(ROOT, 'test/fixtures/models/tiny-fp16.onnx'))});
  const pixels = new Float32Array(2 * 3 * 8 * 8);
  for (let i = 0; i < 64; i++) pixels[i] = 1; // image 0 all red
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float16', toFloat16Array(pixels), [2, 3, 8, 8]) });
  const data = out[session.outputNames[0]].data;
  console.log(JSON.stringify(Array.from(data instanceof Uint16Array ? fromFloat16Array(data) : data)));
})().catch((e) => { console.log('ERROR ' + e.message); });
`;

function run(load: 'ours' | 'plain'): string {
  return execFileSync(process.execPath, ['--import', 'tsx', '-e', script(load)], {
    cwd: ROOT,
    encoding: 'utf8',
  }).trim();
}

test('float16 inputs run where a global Float16Array exists (onnxruntime-node loaded through natives.ts)', () => {
  // tiny-fp16: logit0 = 4 (meanR - meanB): image 0 (all red) 4, image 1 (black) 0.
  assert.deepEqual(JSON.parse(run('ours')), [4, -4, 0, 0]);
});

test('the stand-in reproduces the failure when onnxruntime-node is loaded directly', () => {
  assert.match(run('plain'), /^ERROR .*float16/);
});

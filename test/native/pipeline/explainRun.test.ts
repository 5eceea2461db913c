// A run whose disk fills up while it writes: a clear user error, the previous result whole, and
// nothing of the failed run left (runExplain as the child runs it, with sharp and onnxruntime).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mock, test } from 'node:test';

import { runExplain } from '../../../src/extension/pipeline/explainRun';
import { StoreInputError } from '../../../src/extension/store/errors';
import type { ExplainRun } from '../../../src/shared/childProtocol';
import { distFile, ROOT } from '../../unit/helpers';

const demo = join(ROOT, 'models', 'demo');

function request(outDir: string, cacheDir: string, factor: number): ExplainRun {
  return {
    type: 'explain/run',
    image: join(demo, 'images', 'dark-cat.png'),
    editor: 'brightness',
    params: { factor },
    steps: 5,
    seed: 0,
    permutations: 100,
    alpha: 0.01,
    models: [{ path: join(demo, 'unbiased.onnx') }],
    provider: 'cpu',
    cacheDir,
    outDir,
    name: 'cat',
  };
}

const context = {
  workerPath: distFile('permutationWorker.js'),
  signal: new AbortController().signal,
  progress: () => undefined,
  log: () => undefined,
};

test('a full disk: StoreInputError naming the folder, the previous result whole, no orphans', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-run-'));
  const out = join(root, 'out');
  const cache = join(root, 'cache');
  const first = await runExplain(request(out, cache, 1.5), context);
  const before = readdirSync(out).sort();
  const frames = readdirSync(join(out, 'cat.frames'));
  const writeFile = fs.writeFile.bind(fs);
  let writes = 0;
  // The probe passes; the disk fills up while the new frames are written out.
  mock.method(fs, 'writeFile', async (path: string, data: Uint8Array | string) => {
    if (path.startsWith(out) && !path.includes('probe') && ++writes > 2)
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC', path });
    await writeFile(path, data);
  });
  try {
    await assert.rejects(runExplain(request(out, cache, 1.8), context), (error: unknown) => {
      assert.ok(error instanceof StoreInputError);
      assert.match(
        error.message,
        new RegExp(`^Cannot write to ${out}.*no space left.*Free some space`),
      );
      return true;
    });
  } finally {
    mock.restoreAll();
  }
  assert.deepEqual(readdirSync(out).sort(), before, 'no temporary folder, no lock');
  assert.deepEqual(readdirSync(join(out, 'cat.frames')), frames, 'no partial version');
  assert.deepEqual(JSON.parse(readFileSync(first.resultPath, 'utf8')), first.result);
});

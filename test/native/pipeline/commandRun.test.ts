// runExplain with a classifier command beside the same model in ONNX: test/fixtures/commands/
// onnxCommand.mjs runs tiny-nchw.onnx on the handed-over PNGs with the in-process classifier's
// preprocessing, so both models must give the same predictions and the same EPGM, p and flips,
// and the result records what ran (kind, command, checkpoint and its sha256).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { ModelInputError } from '../../../src/extension/models/types';
import { runExplain } from '../../../src/extension/pipeline/explainRun';
import type { ExplainRun } from '../../../src/shared/childProtocol';
import { distFile, ROOT } from '../../unit/helpers';

const TINY = join(ROOT, 'test', 'fixtures', 'models', 'tiny-nchw.onnx');
const script = (name: string): string => join(ROOT, 'test', 'fixtures', 'commands', name);

function request(root: string, models: ExplainRun['models']): ExplainRun {
  return {
    type: 'explain/run',
    image: join(ROOT, 'models', 'demo', 'images', 'dark-cat.png'),
    editor: 'hue',
    params: {},
    steps: 7,
    seed: 0,
    permutations: 200,
    alpha: 0.01,
    models,
    provider: 'cpu',
    cacheDir: join(root, 'cache'),
    outDir: join(root, 'out'),
    name: 'cat',
  };
}

const context = {
  workerPath: distFile('permutationWorker.js'),
  signal: new AbortController().signal,
  progress: () => undefined,
  log: () => undefined,
};

test('a command running the same model gives the same predictions and measures as ONNX', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-command-run-'));
  const command = [process.execPath, script('onnxCommand.mjs'), '{checkpoint}', '8'];
  const { result } = await runExplain(
    request(root, [
      { path: TINY, name: 'onnx' },
      { kind: 'command', command, checkpoint: TINY, name: 'command' },
    ]),
    context,
  );
  const [onnx, viaCommand] = result.models;
  assert.ok(onnx !== undefined && viaCommand !== undefined);
  assert.deepEqual(viaCommand.predictions, onnx.predictions);
  // The same numbers to the last bit; only the class names differ (the sidecar names them).
  assert.deepEqual({ ...viaCommand.measure, labels: onnx.measure.labels }, onnx.measure);
  assert.deepEqual(onnx.measure.labels, ['red', 'blue']);
  assert.ok(onnx.measure.epgm > 0, 'the hue path moves the red/blue model');
  assert.equal(viaCommand.kind, 'command');
  assert.deepEqual(viaCommand.command, [process.execPath, script('onnxCommand.mjs'), TINY, '8']);
  assert.equal(viaCommand.provider, 'command');
  assert.equal(viaCommand.sha256, createHash('sha256').update(readFileSync(TINY)).digest('hex'));
  assert.deepEqual(viaCommand.labels, ['class 0', 'class 1'], 'no --labels: learned by the probe');
  assert.equal(viaCommand.path, onnx.path, 'the checkpoint is recorded like a model file');
});

test('a failing command fails the run with its message, and leaves no files', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-command-run-'));
  await assert.rejects(
    runExplain(
      request(root, [
        { kind: 'command', command: [process.execPath, script('behave.mjs'), 'rows'] },
      ]),
      context,
    ),
    (error: unknown) => {
      assert.ok(error instanceof ModelInputError);
      assert.match(error.message, /behave\.mjs rows` answered request 1 \(7 images\) with 6 rows/);
      return true;
    },
  );
  assert.deepEqual(readdirSync(root), ['cache']);
});

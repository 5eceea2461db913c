// The real inference child previews an explanation when asked (the panel) and not otherwise (the
// command line): the preview arrives before the answer, with the answer's numbers and one
// downscaled frame per step. It keeps a classifier loaded from one explanation to the next.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { InferenceChild } from '../../../src/extension/inference/childClient';
import { cpuThreadChoice } from '../../../src/extension/natives/cpuThreads';
import type { RunPreview } from '../../../src/shared/childProtocol';
import { distFile, ROOT } from '../../unit/helpers';

const demo = join(ROOT, 'models', 'demo');

/** A brightness path of the dark cat in `steps` images, classified by the unbiased demo model. */
function catRequest(root: string, steps: number) {
  return {
    image: join(demo, 'images', 'dark-cat.png'),
    editor: 'brightness',
    params: {},
    steps,
    seed: 0,
    permutations: 100,
    alpha: 0.01,
    models: [{ path: join(demo, 'unbiased.onnx') }],
    provider: 'cpu' as const,
    cacheDir: join(root, 'cache'),
    outDir: join(root, 'out'),
  };
}

test('the child sends run/preview before its answer only when asked', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-preview-'));
  const child = await InferenceChild.start(distFile('inferenceChild.js'));
  try {
    const request = { ...catRequest(root, 5), name: 'cat' };
    const events: string[] = [];
    const previews: RunPreview[] = [];
    const onPreview = (preview: RunPreview): void => {
      events.push('preview');
      previews.push(preview);
    };
    const value = await child.explain({ ...request, preview: true }, { onPreview });
    events.push('result');
    assert.deepEqual(events, ['preview', 'result']);
    const [preview] = previews;
    assert.ok(preview !== undefined);
    assert.deepEqual(preview.result.models, value.result.models);
    assert.equal(preview.frames.length, 5);
    assert.ok(preview.frames.every((f) => f.pixels.length === f.width * f.height * 3));

    await child.explain({ ...request, name: 'cli' }, { onPreview });
    assert.equal(previews.length, 1, 'no preview for a request that does not ask');
  } finally {
    child.dispose();
  }
});

test('the child keeps a classifier loaded from one explanation to the next', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-warm-'));
  let stderr = '';
  const child = await InferenceChild.start(distFile('inferenceChild.js'), {
    stderr: (text) => {
      stderr += text;
    },
  });
  try {
    const request = catRequest(root, 3);
    const reused = `${join(demo, 'unbiased.onnx')}: unchanged since a run before, its loaded session reused.`;
    const first = await child.explain({ ...request, name: 'first' });
    assert.ok(!stderr.includes(reused), stderr);
    const second = await child.explain({ ...request, name: 'second' });
    assert.ok(stderr.includes(reused), `the second run says it reused the session:\n${stderr}`);
    assert.deepEqual(second.result.models[0]?.predictions, first.result.models[0]?.predictions);
  } finally {
    child.dispose();
  }
});

test('the child runs CPU sessions on the threads it is started with, and says so once', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-threads-'));
  const told = (threads: string): Promise<string> =>
    (async () => {
      let stderr = '';
      const child = await InferenceChild.start(distFile('inferenceChild.js'), {
        stderr: (text) => {
          stderr += text;
        },
        env: { PROPSWEEP_CPU_THREADS: threads },
      });
      try {
        const request = catRequest(join(root, threads), 3);
        await child.explain({ ...request, name: 'first' });
        await child.explain({ ...request, name: 'second' });
        return stderr;
      } finally {
        child.dispose();
      }
    })();
  const set = await told('3');
  const over =
    availableParallelism() < 3
      ? `; more than the ${availableParallelism()} CPUs this process may use`
      : '';
  const line = `CPU inference runs on 3 threads (as set: propsweep.cpuThreads, or PROPSWEEP_CPU_THREADS for the command line${over}).`;
  assert.equal(set.split(line).length - 1, 1, set);
  const automatic = await told('0');
  // The count this machine's files give (the child reads the same ones).
  const { threads } = cpuThreadChoice(
    {},
    process.platform,
    (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return null;
      }
    },
    availableParallelism(),
  );
  const expected =
    threads === null
      ? 'CPU inference runs on the threads onnxruntime chooses (one per physical core, as onnxruntime counts them).'
      : `CPU inference runs on ${threads} thread${threads === 1 ? '' : 's'} (one per physical core this process may use).`;
  assert.ok(automatic.includes(expected), `${expected}\n${automatic}`);
});

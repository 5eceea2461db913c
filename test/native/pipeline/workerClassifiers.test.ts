// Classifiers on their own thread (a folder run's): the same answers as on this one, predictions
// queued together still answered each with its own rows, a cancel that answers at once, and the
// user's errors still the user's.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { readImage } from '../../../src/extension/images/io';
import { loadModel, type NamedClassifier } from '../../../src/extension/models/loadModel';
import { ModelInputError } from '../../../src/extension/models/types';
import { startClassifierThread } from '../../../src/extension/pipeline/workerClassifiers';
import { distFile, ROOT } from '../../unit/helpers';

const demo = join(ROOT, 'models', 'demo');
const options = { provider: 'cpu', workDir: demo } as const;

async function images(): Promise<Awaited<ReturnType<typeof readImage>>['image'][]> {
  return Promise.all(
    ['dark-cat', 'light-cat', 'dark-dog', 'light-dog'].map(
      async (name) => (await readImage(join(demo, 'images', `${name}.png`))).image,
    ),
  );
}

/** The demo's unbiased classifier loaded on this thread and on a classifier thread, for `use`. */
async function onBothThreads(
  use: (here: NamedClassifier, there: NamedClassifier) => Promise<void>,
): Promise<void> {
  const here = await loadModel(
    { path: join(demo, 'unbiased.onnx') },
    { ...options, log: () => {} },
  );
  const thread = startClassifierThread(distFile('classifierWorker.js'), () => undefined);
  try {
    await use(here, await thread.load({ path: join(demo, 'unbiased.onnx') }, options));
  } finally {
    await here.classifier.dispose();
    await thread.dispose();
  }
}

test('predictions asked together get the rows this thread computes, each its own', async () => {
  const shown = await images();
  await onBothThreads(async (here, there) => {
    assert.equal(there.name, here.name);
    assert.deepEqual(there.classifier.info, here.classifier.info);
    // Asked at once: the thread may merge them into one call; each answer is its own images'.
    const asked = [shown, shown.slice(1, 3), shown.slice(3), shown.slice(0, 1)];
    const answers = await Promise.all(asked.map((batch) => there.classifier.predict(batch)));
    for (const [i, batch] of asked.entries()) {
      assert.deepEqual(answers[i], await here.classifier.predict(batch), `request ${i}`);
    }
  });
});

test(
  'predictions that come while calls are under way, or after all are done, are answered',
  { timeout: 120_000 },
  async () => {
    const shown = await images();
    await onBothThreads(async (here, { classifier }) => {
      const expected = await here.classifier.predict(shown);
      // One under way and nothing queued, then two more: the thread takes them while it works.
      const first = classifier.predict(shown);
      await new Promise((resolve) => setTimeout(resolve, 1));
      const later = [classifier.predict(shown.slice(1)), classifier.predict(shown.slice(2))];
      assert.deepEqual(await first, expected);
      assert.deepEqual(await later[0], expected.slice(1));
      assert.deepEqual(await later[1], expected.slice(2));
      // Everything answered and the thread idle: a new prediction starts it again.
      assert.deepEqual(await classifier.predict(shown.slice(0, 1)), expected.slice(0, 1));
    });
  },
);

test('a cancelled prediction answers at once with the abort; the others still answer', async () => {
  const shown = await images();
  const thread = startClassifierThread(distFile('classifierWorker.js'), () => undefined);
  try {
    const { classifier } = await thread.load({ path: join(demo, 'unbiased.onnx') }, options);
    const controller = new AbortController();
    const first = classifier.predict(shown);
    const cancelled = classifier.predict(shown, controller.signal);
    controller.abort();
    await assert.rejects(cancelled, { name: 'AbortError' });
    assert.equal((await first).length, shown.length);
    await assert.rejects(classifier.predict(shown, controller.signal), { name: 'AbortError' });
  } finally {
    await thread.dispose();
  }
});

test('a model the user must fix is the same error here, and its log lines come through', async () => {
  const thread = startClassifierThread(distFile('classifierWorker.js'), () => undefined);
  try {
    await assert.rejects(
      thread.load({ path: join(demo, 'missing.onnx') }, options),
      (error: unknown) =>
        error instanceof ModelInputError && /missing\.onnx does not exist/.test(error.message),
    );
  } finally {
    await thread.dispose();
  }
  const said: string[] = [];
  const logged = startClassifierThread(distFile('classifierWorker.js'), (m) => said.push(m));
  try {
    // A model without its sidecar: what is assumed for it is logged.
    const bare = join(mkdtempSync(join(tmpdir(), 'propsweep-thread-')), 'bare.onnx');
    copyFileSync(join(demo, 'unbiased.onnx'), bare);
    await logged.load({ path: bare }, options);
    assert.ok(
      said.some((m) => m.includes('bare.onnx: assumed')),
      said.join('\n'),
    );
  } finally {
    await logged.dispose();
  }
});

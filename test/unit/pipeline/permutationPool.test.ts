import assert from 'node:assert/strict';
import { test } from 'node:test';

import { analyse, permutationTest } from '../../../src/extension/measures';
import {
  estimateCost,
  PARALLEL_THRESHOLD,
  runPermutationTest,
} from '../../../src/extension/pipeline/permutationPool';
import { distFile } from '../helpers';

/** A softmax path over many outputs, large enough that the pool uses its workers. */
function manyOutputs(steps: number, outputs: number): number[][] {
  return Array.from({ length: steps }, (_, k) => {
    const e = Array.from({ length: outputs }, (_, c) =>
      Math.exp(Math.sin(0.3 * c + 0.05 * k) + (c === 0 ? 3 - (6 * k) / steps : 0)),
    );
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  });
}

const uneven = (n: number): number[] => Array.from({ length: n }, (_, k) => k + 0.4 * Math.sin(k));

test('workers give exactly the p-value and null of one thread (chunks seeded by index)', async () => {
  const analysis = analyse(
    { predictions: manyOutputs(41, 1000), strengths: uneven(41) },
    { permutations: 5000, seed: 11 },
  );
  assert.ok(
    estimateCost(analysis.prepared, 5000) > PARALLEL_THRESHOLD,
    'the case must be large enough to use workers',
  );
  const single = permutationTest(analysis.prepared, analysis.testOptions);
  const pooled = await runPermutationTest(analysis, {
    workerPath: distFile('permutationWorker.js'),
    threads: 2,
  });
  assert.deepEqual(pooled, single);
});

test('an aborted pool rejects with AbortError and never reports a partial result', async () => {
  const analysis = analyse(
    { predictions: manyOutputs(41, 1000), strengths: uneven(41) },
    { permutations: 20000 },
  );
  const controller = new AbortController();
  const run = runPermutationTest(analysis, {
    workerPath: distFile('permutationWorker.js'),
    threads: 2,
    signal: controller.signal,
  });
  setTimeout(() => {
    controller.abort();
  }, 20);
  await assert.rejects(run, { name: 'AbortError' });
});

test('small tests stay on the calling thread', () => {
  const analysis = analyse({ predictions: [0.1, 0.4, 0.5, 0.9, 0.95] }, { permutations: 100 });
  assert.ok(estimateCost(analysis.prepared, 100) < PARALLEL_THRESHOLD);
});

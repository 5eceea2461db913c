import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import { ChildRunError, InferenceChild } from '../../../src/extension/inference/childClient';
import { measure } from '../../../src/extension/measures';
import { distFile, twoClassPath } from '../helpers';

describe('the inference child process', () => {
  test('measures a path and answers with the engine numbers', async () => {
    const child = await InferenceChild.start(distFile('inferenceChild.js'));
    try {
      const progress: string[] = [];
      const predictions = twoClassPath(15);
      const result = await child.measure(
        { predictions, labels: ['cat', 'dog'], options: { permutations: 300, seed: 3 } },
        { onProgress: ({ message }) => progress.push(message) },
      );
      const direct = measure({ predictions }, { permutations: 300, seed: 3 });
      assert.equal(result.epgm, direct.epgm);
      assert.equal(result.p_value, direct.test.pValue);
      assert.deepEqual(result.labels, ['cat', 'dog']);
      assert.match(progress.join('\n'), /300 permutations/);
    } finally {
      child.dispose();
    }
  });

  test('bad input comes back as an input error, and the child keeps serving', async () => {
    const child = await InferenceChild.start(distFile('inferenceChild.js'));
    try {
      await assert.rejects(
        child.measure({ predictions: [1, 2], options: {} }),
        (e: unknown) =>
          e instanceof ChildRunError && e.kind === 'input' && /at least 3/.test(e.message),
      );
      const ok = await child.measure({
        predictions: [0.1, 0.5, 0.9],
        options: { permutations: 10 },
      });
      assert.equal(ok.n_steps, 3);
    } finally {
      child.dispose();
    }
  });

  test('cancel stops a long run; a killed child rejects pending work without taking the parent down', async () => {
    const child = await InferenceChild.start(distFile('inferenceChild.js'));
    const rows = Array.from({ length: 61 }, (_, k) =>
      Array.from({ length: 400 }, (_, c) => Math.abs(Math.sin(k * 0.1 + c))),
    );
    const strengths = Array.from({ length: 61 }, (_, k) => k + 0.3 * Math.sin(k));
    const controller = new AbortController();
    const cancelled = child.measure(
      { predictions: rows, strengths, options: { permutations: 200000 } },
      { signal: controller.signal, graceMs: 5000 },
    );
    setTimeout(() => {
      controller.abort();
    }, 200);
    await assert.rejects(cancelled, { name: 'AbortError' });
    const pending = child.measure({
      predictions: rows,
      strengths,
      options: { permutations: 200000 },
    });
    process.kill(child.pid ?? 0, 'SIGKILL');
    await assert.rejects(
      pending,
      (e: unknown) =>
        e instanceof ChildRunError &&
        e.kind === 'crashed' &&
        /was killed by SIGKILL/.test(e.message),
    );
    await assert.rejects(
      child.measure({ predictions: [1, 2, 3], options: {} }),
      (e: unknown) => e instanceof ChildRunError && e.kind === 'crashed',
    );
  });
  test(
    'started for VS Code it runs below normal priority; started for the command line, not',
    {
      skip: process.platform !== 'linux' && 'reads /proc',
    },
    async () => {
      // Field 19 of /proc/PID/stat is the nice value of the main thread (later threads inherit it).
      const niceOf = (pid: number | undefined): number => {
        const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      };
      const background = await InferenceChild.start(distFile('inferenceChild.js'), {
        background: true,
      });
      const foreground = await InferenceChild.start(distFile('inferenceChild.js'));
      try {
        assert.equal(niceOf(background.pid), 10);
        assert.equal(niceOf(foreground.pid), 0);
        const result = await background.measure({ predictions: twoClassPath(15), options: {} });
        assert.equal(result.n_steps, 15, 'a background child works as any other');
      } finally {
        background.dispose();
        foreground.dispose();
      }
    },
  );
});

// The real inference child answers every request: malformed ones that carry an id with an error,
// and requests beyond the limits with an input error before any work (the image below does not
// exist, so an answer about the limit proves nothing was read first).
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { after, describe, test } from 'node:test';

import { ChildRunError, InferenceChild } from '../../../src/extension/inference/childClient';
import type { ChildToHost, ExplainRun } from '../../../src/shared/childProtocol';
import { distFile } from '../helpers';

const EXPLAIN: Omit<ExplainRun, 'type'> = {
  image: '/nonexistent/cat.png',
  editor: 'brightness',
  params: {},
  steps: 21,
  seed: 0,
  permutations: 100,
  alpha: 0.01,
  models: [{ path: '/nonexistent/model.onnx' }],
  provider: 'cpu',
  cacheDir: '/nonexistent/cache',
  outDir: '/nonexistent/out',
  name: 'cat-brightness',
};

// Without the fix an invalid request is never answered: the timeout turns a hang into a failure.
// Killed after the suite even when a test times out, so that a hang fails instead of lingering.
const started: { kill(): void }[] = [];
after(() => {
  for (const child of started) child.kill();
});

describe('the inference child answers every request', { timeout: 30_000 }, () => {
  test('a malformed request with an id is answered with an error; one without is logged', async () => {
    const child = fork(distFile('inferenceChild.js'), [], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
      execArgv: [],
    });
    started.push({ kill: () => child.kill('SIGKILL') });
    let stderr = '';
    // Standard error and the IPC channel are separate pipes: wait for the log line itself.
    const logged = new Promise<void>((resolve) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('no numeric id')) resolve();
      });
    });
    const answers: ChildToHost[] = [];
    const answered = new Promise<void>((resolve) => {
      child.on('message', (m: ChildToHost) => {
        answers.push(m);
        if (m.type === 'run/result' && m.id === 8) resolve();
      });
    });
    try {
      child.send({ type: 'explain/run', id: 7, image: 'a.png' });
      child.send({ type: 'no/such', steps: 3 });
      child.send({ type: 'explain/run', id: 8, ...EXPLAIN, steps: 'many' });
      await answered;
      const results = answers.filter((m) => m.type === 'run/result');
      assert.deepEqual(
        results.map((m) => [m.id, m.ok, !m.ok && m.error.kind]),
        [
          [7, false, 'internal'],
          [8, false, 'internal'],
        ],
      );
      const first = results[0];
      assert.ok(first !== undefined && !first.ok);
      assert.match(first.error.message, /invalid request: explain\/run needs image, editor/);
      await logged;
      assert.match(stderr, /invalid request: it has no numeric id/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('steps and shuffle-test options out of range are refused before any work', async () => {
    const child = await InferenceChild.start(distFile('inferenceChild.js'));
    started.push({
      kill: () => {
        child.dispose();
      },
    });
    try {
      await assert.rejects(
        child.explain({ ...EXPLAIN, steps: 5000 }),
        (e: unknown) =>
          e instanceof ChildRunError &&
          e.kind === 'input' &&
          /steps must be a whole number from 3 .* to 1001, got 5000/.test(e.message),
      );
      await assert.rejects(
        child.explain({ ...EXPLAIN, permutations: 1e9 }),
        (e: unknown) =>
          e instanceof ChildRunError && e.kind === 'input' && /at most 1,000,000/.test(e.message),
      );
      await assert.rejects(
        child.explain({ ...EXPLAIN, permutations: 1e12 }),
        (e: unknown) =>
          e instanceof ChildRunError && e.kind === 'input' && /at most 1,000,000/.test(e.message),
      );
      await assert.rejects(
        child.explain({ ...EXPLAIN, permutations: 0 }),
        (e: unknown) =>
          e instanceof ChildRunError &&
          e.kind === 'input' &&
          /permutations must be a whole number >= 1, got 0/.test(e.message),
      );
      await assert.rejects(
        child.explain({ ...EXPLAIN, alpha: 1.5 }),
        (e: unknown) =>
          e instanceof ChildRunError &&
          e.kind === 'input' &&
          /alpha must lie strictly between 0 and 1/.test(e.message),
      );
      await assert.rejects(
        child.explain({ ...EXPLAIN, seed: -1 }),
        (e: unknown) =>
          e instanceof ChildRunError &&
          e.kind === 'input' &&
          /seed must be a whole number/.test(e.message),
      );
    } finally {
      child.dispose();
    }
  });
});

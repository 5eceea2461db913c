import assert from 'node:assert/strict';
import { test } from 'node:test';

import { mapLimited } from '../../../src/extension/store/limited';

test('mapLimited keeps at most `limit` calls running and returns results in order', async () => {
  const running = { now: 0, most: 0 };
  const results = await mapLimited([5, 4, 3, 2, 1, 0, 9, 8], 3, async (n, k) => {
    running.most = Math.max(running.most, ++running.now);
    for (let i = 0; i < n; i++) await Promise.resolve(); // finish in another order than started
    running.now--;
    return `${k}:${n}`;
  });
  assert.equal(running.most, 3);
  assert.deepEqual(results, ['0:5', '1:4', '2:3', '3:2', '4:1', '5:0', '6:9', '7:8']);
});

test('after a failure no new call starts, and the error comes once the running ones settled', async () => {
  const started: number[] = [];
  let settled = 0;
  await assert.rejects(
    mapLimited([0, 1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      await Promise.resolve();
      if (n === 0) throw new Error('disk full');
      await new Promise((resolve) => setImmediate(resolve));
      settled++;
    }),
    /disk full/,
  );
  assert.deepEqual(started, [0, 1]);
  assert.equal(settled, 1, 'the call running beside the failed one finished first');
});

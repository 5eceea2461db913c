// The classifiers the inference child keeps loaded between runs: reused only for the same key and
// unchanged files, lent to one run at a time, released when idle, beyond the count, after a
// failed run, and on dispose.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';

import type { Classifier } from '../../../src/extension/models/types';
import {
  WarmClassifiers,
  type LeaseOrigin,
  type WarmOptions,
} from '../../../src/extension/models/warmClassifiers';

/** Fake classifiers that count their loads and releases; `fail` makes predict throw that. */
function world(options: WarmOptions = { idleMs: 60_000, capacity: 4 }) {
  const pool = new WarmClassifiers(options);
  const loaded: string[] = [];
  const released: string[] = [];
  const origins: LeaseOrigin[] = [];
  let fail: Error | null = null;
  const make = (name: string): Classifier => ({
    info: {
      kind: 'onnx',
      path: name,
      sha256: name,
      files: [],
      command: null,
      outputs: 1,
      labels: ['a'],
      provider: 'cpu',
      fallbackReason: null,
    },
    predict: () => (fail === null ? Promise.resolve([Float32Array.of(1)]) : Promise.reject(fail)),
    dispose: () => {
      released.push(name);
      return Promise.resolve();
    },
  });
  const lease = (key: string, stamp = 's1'): Promise<Classifier> =>
    pool.lease(
      key,
      stamp,
      () => {
        const name = `${key}#${loaded.filter((l) => l.startsWith(`${key}#`)).length + 1}`;
        loaded.push(name);
        return Promise.resolve(make(name));
      },
      (how) => origins.push(how),
    );
  return {
    pool,
    loaded,
    released,
    origins,
    lease,
    failWith: (error: Error | null) => {
      fail = error;
    },
  };
}

void test('a classifier given back is lent again for the same key and stamp, not loaded again', async () => {
  const w = world();
  const first = await w.lease('m');
  await first.predict([]);
  await first.dispose();
  assert.deepEqual(w.released, [], 'given back, not released');
  assert.equal(w.pool.size, 1);
  const second = await w.lease('m');
  assert.equal(second.info, first.info, 'the same loaded classifier');
  assert.deepEqual(w.loaded, ['m#1']);
  assert.deepEqual(w.origins, ['loaded', 'reused']);
  assert.equal(w.pool.size, 0, 'lent to one run at a time');
});

void test('changed files (another stamp) release the parked classifier and load anew', async () => {
  const w = world();
  await (await w.lease('m', 'size 1')).dispose();
  const again = await w.lease('m', 'size 2');
  assert.deepEqual(w.loaded, ['m#1', 'm#2']);
  assert.deepEqual(w.released, ['m#1'], 'the stale one released before the new one loads');
  assert.deepEqual(w.origins, ['loaded', 'changed']);
  assert.equal(again.info.path, 'm#2');
});

void test('two runs at once each get their own; one of them is kept when both are given back', async () => {
  const w = world();
  const a = await w.lease('m');
  const b = await w.lease('m');
  assert.deepEqual(w.loaded, ['m#1', 'm#2']);
  await a.dispose();
  await b.dispose();
  assert.deepEqual(w.released, ['m#2']);
  assert.equal((await w.lease('m')).info.path, 'm#1');
});

void test('giving back twice parks once', async () => {
  const w = world();
  const a = await w.lease('m');
  await Promise.all([a.dispose(), a.dispose()]);
  await a.dispose();
  assert.equal(w.pool.size, 1);
  assert.deepEqual(w.released, []);
});

void test('beyond the count, the least recently given back is released', async () => {
  const w = world({ idleMs: 60_000, capacity: 2 });
  const [a, b, c] = [await w.lease('a'), await w.lease('b'), await w.lease('c')];
  await b.dispose();
  await a.dispose();
  await c.dispose();
  assert.deepEqual(w.released, ['b#1']);
  assert.equal(w.pool.size, 2);
  await (await w.lease('b')).dispose(); // loaded anew, then parked: a goes
  assert.deepEqual(w.loaded, ['a#1', 'b#1', 'c#1', 'b#2']);
  assert.deepEqual(w.released, ['b#1', 'a#1']);
});

void test('capacity 0 keeps nothing', async () => {
  const w = world({ idleMs: 60_000, capacity: 0 });
  await (await w.lease('m')).dispose();
  assert.deepEqual(w.released, ['m#1']);
  assert.equal(w.pool.size, 0);
});

void test('an idle classifier is released after the idle time', async () => {
  const w = world({ idleMs: 30, capacity: 4 });
  await (await w.lease('m')).dispose();
  await (await w.lease('n')).dispose();
  const m = await w.lease('m'); // lent: its idle time stops
  await sleep(120);
  assert.deepEqual(w.released, ['n#1']);
  await m.dispose();
  assert.equal(w.pool.size, 1, 'parked again, with a new idle time');
  await sleep(120);
  assert.deepEqual(w.released, ['n#1', 'm#1']);
  assert.equal(w.pool.size, 0);
});

void test('a classifier whose run failed is released, not kept; a cancelled run keeps it', async () => {
  const w = world();
  const cancelled = await w.lease('m');
  w.failWith(new DOMException('The run was cancelled.', 'AbortError'));
  await assert.rejects(cancelled.predict([]), { name: 'AbortError' });
  await cancelled.dispose();
  assert.equal(w.pool.size, 1);
  const failed = await w.lease('m');
  w.failWith(new Error('CUDA failure'));
  await assert.rejects(failed.predict([]), /CUDA failure/);
  await failed.dispose();
  assert.equal(w.pool.size, 0);
  assert.deepEqual(w.released, ['m#1']);
});

void test('dispose releases the parked ones; those lent are released when given back', async () => {
  const w = world();
  await (await w.lease('a')).dispose();
  const b = await w.lease('b');
  await w.pool.dispose();
  assert.deepEqual(w.released, ['a#1']);
  await b.dispose();
  assert.deepEqual(w.released, ['a#1', 'b#1']);
  assert.equal(w.pool.size, 0);
});

void test('bad options are refused', () => {
  assert.throws(() => new WarmClassifiers({ idleMs: 0, capacity: 1 }), RangeError);
  assert.throws(() => new WarmClassifiers({ idleMs: 10, capacity: 1.5 }), RangeError);
});

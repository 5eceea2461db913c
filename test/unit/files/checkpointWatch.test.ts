// The checkpoint watcher on a fake folder and a fake clock: nothing sleeps.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  CheckpointQueue,
  SettleTracker,
  watchCheckpoints,
  type FileStamp,
  type ReadyCheckpoint,
  type WatchFolder,
  type WatchTimers,
} from '../../../src/extension/files/checkpointWatch';

/** A folder in memory: name -> stamp. */
function fakeFolder(): WatchFolder & { files: Map<string, FileStamp>; change: () => void } {
  const files = new Map<string, FileStamp>();
  let listener: (() => void) | undefined;
  return {
    files,
    list: () => Promise.resolve([...files.keys()]),
    stat: (name) => Promise.resolve(files.get(name) ?? null),
    onChange: (changed) => {
      listener = changed;
      return () => {
        listener = undefined;
      };
    },
    change: () => listener?.(),
  };
}

/** Timers that fire only when the test advances the clock. */
function fakeTimers(): WatchTimers & {
  advance: (ms: number) => Promise<void>;
  pending: () => number;
} {
  let now = 0;
  let next = 1;
  const due = new Map<number, { at: number; callback: () => void }>();
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    now: () => now,
    setTimeout: (callback, ms) => {
      const id = next++;
      due.set(id, { at: now + ms, callback });
      return id;
    },
    clearTimeout: (handle) => {
      due.delete(handle as number);
    },
    pending: () => due.size,
    advance: async (ms) => {
      const end = now + ms;
      await settle();
      for (;;) {
        const first = [...due.entries()].sort((a, b) => a[1].at - b[1].at)[0];
        if (first === undefined || first[1].at > end) break;
        due.delete(first[0]);
        now = first[1].at;
        first[1].callback();
        for (let i = 0; i < 5; i++) await settle();
      }
      now = end;
      for (let i = 0; i < 5; i++) await settle();
    },
  };
}

test('a file is ready once its size and time stay the same for the settle time', () => {
  const tracker = new SettleTracker(2000, ['ep1.onnx']);
  const at = (entries: [string, number, number][]) =>
    new Map(entries.map(([name, size, mtimeMs]) => [name, { size, mtimeMs }]));
  assert.deepEqual(
    tracker.observe(
      0,
      at([
        ['ep1.onnx', 10, 1],
        ['ep2.onnx', 5, 1],
      ]),
    ),
    [],
  );
  assert.equal(tracker.nextDue(), 2000);
  assert.deepEqual(tracker.observe(1000, at([['ep2.onnx', 8, 2]])), [], 'it grew');
  assert.equal(tracker.nextDue(), 3000);
  assert.deepEqual(tracker.observe(2999, at([['ep2.onnx', 8, 2]])), []);
  assert.deepEqual(tracker.observe(3000, at([['ep2.onnx', 8, 2]])), [
    { name: 'ep2.onnx', size: 8, mtimeMs: 2 },
  ]);
  assert.deepEqual(tracker.observe(9000, at([['ep2.onnx', 8, 2]])), [], 'reported once');
  assert.equal(tracker.nextDue(), null);
});

test('empty files wait, and files that disappear are forgotten', () => {
  const tracker = new SettleTracker(100);
  const one = (size: number) => new Map([['a.pt', { size, mtimeMs: 1 }]]);
  tracker.observe(0, one(0));
  assert.deepEqual(tracker.observe(500, one(0)), [], 'an empty file is a copy not started');
  assert.equal(tracker.nextDue(), null);
  tracker.observe(600, one(4));
  assert.deepEqual(tracker.observe(650, new Map()), []);
  assert.deepEqual(tracker.observe(800, one(4)), [], 'back again: its settle time restarts');
  assert.equal(tracker.observe(900, one(4)).length, 1);
});

test('the watcher reports new files once they stop growing, several at once in training order', async () => {
  const folder = fakeFolder();
  const timers = fakeTimers();
  folder.files.set('ep1.onnx', { size: 10, mtimeMs: 1 });
  folder.files.set('notes.txt', { size: 10, mtimeMs: 1 });
  const batches: ReadyCheckpoint[][] = [];
  const watch = watchCheckpoints({
    folder,
    matches: (name) => name.endsWith('.onnx'),
    known: ['ep1.onnx'],
    settleMs: 2000,
    pollMs: 1000,
    timers,
    onReady: (ready) => batches.push([...ready]),
  });
  await timers.advance(0);
  folder.files.set('ep10.onnx', { size: 1, mtimeMs: 100 });
  folder.files.set('ep2.onnx', { size: 1, mtimeMs: 100 });
  folder.change();
  await timers.advance(1500);
  folder.files.set('ep10.onnx', { size: 7, mtimeMs: 1600 });
  folder.files.set('ep2.onnx', { size: 7, mtimeMs: 1600 });
  await timers.advance(500); // the look at 2000 sees them grown
  assert.equal(batches.length, 0);
  await timers.advance(1999); // 3999: not yet 2000 ms unchanged
  assert.equal(batches.length, 0);
  await timers.advance(1);
  assert.deepEqual(
    batches.map((b) => b.map((r) => r.name)),
    [['ep2.onnx', 'ep10.onnx']],
  );
  await timers.advance(10_000);
  assert.equal(batches.length, 1, 'each file once');
  watch.dispose();
  assert.equal(timers.pending(), 0, 'no timer after dispose');
  folder.files.set('ep3.onnx', { size: 1, mtimeMs: 1 });
  folder.change();
  await timers.advance(10_000);
  assert.equal(batches.length, 1, 'nothing after dispose');
});

test('a file that keeps growing is never reported; one that disappears is dropped', async () => {
  const folder = fakeFolder();
  const timers = fakeTimers();
  const ready: string[] = [];
  const watch = watchCheckpoints({
    folder,
    matches: () => true,
    settleMs: 500,
    pollMs: 200,
    timers,
    onReady: (r) => ready.push(...r.map((c) => c.name)),
  });
  for (let t = 1; t <= 20; t++) {
    folder.files.set('growing.pt', { size: t, mtimeMs: t });
    if (t === 2) folder.files.set('gone.pt', { size: 3, mtimeMs: 1 });
    if (t === 3) folder.files.delete('gone.pt');
    await timers.advance(200);
  }
  assert.deepEqual(ready, []);
  await timers.advance(1000);
  assert.deepEqual(ready, ['growing.pt']);
  watch.dispose();
});

test('a failed look is reported and watching goes on', async () => {
  const folder = fakeFolder();
  const timers = fakeTimers();
  let fail = true;
  const errors: unknown[] = [];
  const ready: string[] = [];
  const watch = watchCheckpoints({
    folder: { ...folder, list: () => (fail ? Promise.reject(new Error('gone')) : folder.list()) },
    matches: () => true,
    settleMs: 100,
    pollMs: 100,
    timers,
    onReady: (r) => ready.push(...r.map((c) => c.name)),
    onError: (e) => errors.push(e),
  });
  await timers.advance(0);
  assert.equal(errors.length, 1);
  fail = false;
  folder.files.set('a.pt', { size: 1, mtimeMs: 1 });
  await timers.advance(300);
  assert.deepEqual(ready, ['a.pt']);
  watch.dispose();
});

/** A run that finishes when the test says so (or throws when aborted). */
function controlledRuns() {
  const started: string[] = [];
  const finishers = new Map<string, () => void>();
  const run = (item: string, signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      started.push(item);
      finishers.set(item, resolve);
      signal.addEventListener('abort', () => {
        reject(new DOMException('aborted', 'AbortError'));
      });
    });
  const finish = async (item: string) => {
    finishers.get(item)?.();
    await new Promise<void>((r) => setImmediate(r));
  };
  return { started, run, finish };
}

test('in order, every checkpoint runs in turn', async () => {
  const runs = controlledRuns();
  const queue = new CheckpointQueue(runs.run, 'in-order');
  queue.push(['ep1']);
  queue.push(['ep2', 'ep3']);
  assert.deepEqual(runs.started, ['ep1']);
  await runs.finish('ep1');
  assert.deepEqual(runs.started, ['ep1', 'ep2']);
  await runs.finish('ep2');
  await runs.finish('ep3');
  await queue.idle();
  assert.deepEqual(runs.started, ['ep1', 'ep2', 'ep3']);
});

test('latest: a newer checkpoint supersedes the run in progress and older waiting ones', async () => {
  const runs = controlledRuns();
  const errors: unknown[] = [];
  const queue = new CheckpointQueue(runs.run, 'latest', (e) => errors.push(e));
  queue.push(['ep1']);
  queue.push(['ep2']);
  queue.push(['ep3', 'ep4']);
  await new Promise<void>((r) => setImmediate(r));
  assert.deepEqual(runs.started, ['ep1', 'ep4'], 'ep1 aborted; ep2 and ep3 superseded');
  await runs.finish('ep4');
  await queue.idle();
  assert.deepEqual(errors, [], 'a superseded run is no error');
});

test('a failed run is reported and the next one runs; dispose aborts and drops', async () => {
  const errors: [unknown, string][] = [];
  const started: string[] = [];
  let aborted = false;
  const queue = new CheckpointQueue<string>(
    (item, signal) => {
      started.push(item);
      if (item === 'bad') return Promise.reject(new Error('broken'));
      return new Promise<void>((_, reject) => {
        signal.addEventListener('abort', () => {
          aborted = true;
          reject(new Error('aborted'));
        });
      });
    },
    'in-order',
    (e, item) => errors.push([e, item]),
  );
  queue.push(['bad', 'slow', 'never']);
  await new Promise<void>((r) => setImmediate(r));
  assert.deepEqual(started, ['bad', 'slow']);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.[1], 'bad');
  queue.dispose();
  await queue.idle();
  assert.ok(aborted);
  assert.deepEqual(started, ['bad', 'slow']);
  assert.equal(errors.length, 1);
  queue.push(['after']);
  assert.deepEqual(started, ['bad', 'slow']);
});

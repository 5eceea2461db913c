// The warm pool that keeps one editor model's sessions loaded between runs: opened once per key,
// another key releases the old value once no run uses it, an idle value goes after idleMs (mock
// timers), a failed open is not kept and a failed run keeps its value. LastValue: the value of the
// last key, made once per key in a row, a failure not kept, dropped after idleMs unused.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';

import { LastValue, WarmPool } from '../../../../src/extension/editors/diffusion/networkPool';

const IDLE_MS = 1000;

/** A value that says which key and which opening it came from. */
interface Value {
  readonly key: string;
  readonly opening: number;
}

interface Harness {
  readonly pool: WarmPool<Value>;
  /** Keys in the order they were opened / released. */
  readonly opened: string[];
  readonly released: string[];
  readonly open: (key: string) => () => Promise<Value>;
}

/** A pool whose release takes a turn of the event loop (as releasing a session does). */
function harness(): Harness {
  const opened: string[] = [];
  const released: string[] = [];
  const pool = new WarmPool<Value>(async (value) => {
    await turn();
    released.push(value.key);
  }, IDLE_MS);
  const open = (key: string) => (): Promise<Value> => {
    opened.push(key);
    return Promise.resolve({ key, opening: opened.length });
  };
  return { pool, opened, released, open };
}

/** One turn of the event loop (setImmediate is not mocked). */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Lets pending releases finish: a release takes one turn after a few promise steps. */
async function flush(): Promise<void> {
  for (let k = 0; k < 4; k++) await turn();
}

/** A promise resolved from outside. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

beforeEach(() => {
  mock.timers.enable({ apis: ['setTimeout'] });
});
afterEach(() => {
  mock.timers.reset();
});

test('a key is opened once and its value reused', async () => {
  const { pool, opened, released, open } = harness();
  const first = await pool.with('a', open('a'), (v) => Promise.resolve(v));
  const second = await pool.with('a', open('a'), (v) => Promise.resolve(v));
  assert.equal(second, first);
  assert.deepEqual(opened, ['a']);
  assert.deepEqual(released, []);
  assert.equal(pool.size, 1);
});

test('runs of one key at the same time share one opening', async () => {
  const { pool, opened, open } = harness();
  const values = await Promise.all(
    [1, 2, 3].map(() => pool.with('a', open('a'), (v) => Promise.resolve(v))),
  );
  assert.deepEqual(opened, ['a']);
  assert.ok(values.every((v) => v === values[0]));
});

test('another key releases the old value before its run', async () => {
  const { pool, opened, released, open } = harness();
  await pool.with('a', open('a'), () => Promise.resolve());
  await pool.with('b', open('b'), () => {
    // One model in memory at a time: a is gone before b runs.
    assert.deepEqual(released, ['a']);
    return Promise.resolve();
  });
  assert.deepEqual(opened, ['a', 'b']);
  assert.equal(pool.size, 1);
});

test('a value in use is released only when its run ends', async () => {
  const { pool, released, open } = harness();
  const gate = deferred();
  const running = pool.with('a', open('a'), () => gate.promise);
  await flush();
  await pool.with('b', open('b'), () => Promise.resolve());
  await flush();
  assert.deepEqual(released, [], 'a is still running');
  assert.equal(pool.size, 2);
  gate.resolve();
  await running;
  await flush();
  assert.deepEqual(released, ['a']);
  assert.equal(pool.size, 1);
});

test('an idle value is released after idleMs, and each run restarts the wait', async () => {
  const { pool, opened, released, open } = harness();
  await pool.with('a', open('a'), () => Promise.resolve());
  mock.timers.tick(IDLE_MS - 1);
  await flush();
  assert.deepEqual(released, []);
  await pool.with('a', open('a'), () => Promise.resolve());
  mock.timers.tick(IDLE_MS - 1);
  await flush();
  assert.deepEqual(released, [], 'the second run restarted the wait');
  mock.timers.tick(1);
  await flush();
  assert.deepEqual(released, ['a']);
  assert.equal(pool.size, 0);
  // Opened afresh next time.
  await pool.with('a', open('a'), () => Promise.resolve());
  assert.deepEqual(opened, ['a', 'a']);
});

test('a value in use is not released by the idle timer', async () => {
  const { pool, released, open } = harness();
  await pool.with('a', open('a'), () => Promise.resolve());
  const gate = deferred();
  const running = pool.with('a', open('a'), () => gate.promise);
  mock.timers.tick(10 * IDLE_MS);
  await flush();
  assert.deepEqual(released, []);
  gate.resolve();
  await running;
  mock.timers.tick(IDLE_MS);
  await flush();
  assert.deepEqual(released, ['a']);
});

test('a failed open is not kept: the next run opens again', async () => {
  const { pool, released } = harness();
  let attempts = 0;
  const failing = (): Promise<Value> => {
    attempts++;
    return Promise.reject(new Error('no such model'));
  };
  await assert.rejects(
    pool.with('a', failing, () => Promise.resolve()),
    /no such model/,
  );
  assert.equal(pool.size, 0);
  await assert.rejects(
    pool.with('a', failing, () => Promise.resolve()),
    /no such model/,
  );
  assert.equal(attempts, 2);
  assert.deepEqual(released, [], 'nothing was opened, nothing is released');
});

test('a failed open while another value is being released rejects the run, not the process', async () => {
  const { pool, released, open } = harness();
  await pool.with('a', open('a'), () => Promise.resolve());
  // Releasing a takes a turn of the event loop; the open of b has failed meanwhile.
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  process.on('unhandledRejection', onUnhandled);
  try {
    await assert.rejects(
      pool.with(
        'b',
        () => Promise.reject(new Error('bad b')),
        () => Promise.resolve(),
      ),
      /bad b/,
    );
    await flush();
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  assert.deepEqual(unhandled, []);
  assert.deepEqual(released, ['a']);
  assert.equal(pool.size, 0);
});

test('a failed run (an abort) keeps the value', async () => {
  const { pool, opened, released, open } = harness();
  const reason = new Error('aborted');
  await assert.rejects(
    pool.with('a', open('a'), () => Promise.reject(reason)),
    (error) => error === reason,
  );
  assert.equal(pool.size, 1);
  await pool.with('a', open('a'), () => Promise.resolve());
  assert.deepEqual(opened, ['a']);
  assert.deepEqual(released, []);
});

test('releaseIdle releases what no run uses; a value in use stays, then waits idleMs', async () => {
  const { pool, opened, released, open } = harness();
  await pool.with('a', open('a'), () => Promise.resolve());
  await pool.releaseIdle();
  assert.deepEqual(released, ['a']);
  assert.equal(pool.size, 0);
  // Its idle timer is gone with it: no second release.
  mock.timers.tick(IDLE_MS);
  await flush();
  assert.deepEqual(released, ['a']);

  const gate = deferred();
  const running = pool.with('b', open('b'), () => gate.promise);
  await flush();
  await pool.releaseIdle();
  assert.deepEqual(released, ['a']);
  gate.resolve();
  await running;
  assert.equal(pool.size, 1);
  mock.timers.tick(IDLE_MS);
  await flush();
  assert.deepEqual(released, ['a', 'b']);
  assert.equal(pool.size, 0);
  assert.deepEqual(opened, ['a', 'b']);
});

test('LastValue makes a value once per key in a row, again after another key or a failure', async () => {
  const last = new LastValue<string>();
  const made: string[] = [];
  const make =
    (key: string, fail = false) =>
    () => {
      made.push(key);
      return fail ? Promise.reject(new Error(`cannot make ${key}`)) : Promise.resolve(`${key}!`);
    };
  assert.equal(await last.get('a', make('a')), 'a!');
  assert.equal(await last.get('a', make('a')), 'a!');
  assert.equal(await last.get('b', make('b')), 'b!');
  assert.equal(await last.get('a', make('a')), 'a!');
  await assert.rejects(last.get('c', make('c', true)), /cannot make c/);
  assert.equal(await last.get('c', make('c')), 'c!');
  assert.deepEqual(made, ['a', 'b', 'a', 'c', 'c']);
});

test('LastValue drops its value after idleMs without a use', async () => {
  const last = new LastValue<string>(IDLE_MS);
  let made = 0;
  const make = () => Promise.resolve(`value ${String(++made)}`);
  assert.equal(await last.get('a', make), 'value 1');
  mock.timers.tick(IDLE_MS - 1);
  assert.equal(await last.get('a', make), 'value 1', 'a use keeps it for another idleMs');
  mock.timers.tick(IDLE_MS - 1);
  assert.equal(await last.get('a', make), 'value 1');
  mock.timers.tick(IDLE_MS);
  assert.equal(await last.get('a', make), 'value 2', 'made again after idleMs unused');
});

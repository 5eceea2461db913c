// The WebAssembly kernel of the shuffle test (src/extension/measures/kernel) against the
// TypeScript reference: the same generator, and bit for bit the same null distribution on every
// kind of path (one output or many; even, uneven and periodic grids; with and without the table of
// row distances; every batch size of the shuffle's draws).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import fc from 'fast-check';

import {
  makeGrid,
  makeStencil,
  Rng,
  toMatrix,
  type EdgeOrder,
} from '../../../src/extension/measures';
import {
  kernelAvailable,
  kernelDraws,
  loadKernel,
} from '../../../src/extension/measures/kernel/kernel';
import {
  CHUNK_SIZE,
  sampleNull,
  sampleNullChunk,
  sampleNullChunkReference,
} from '../../../src/extension/measures/nullDistribution';
import {
  prepareStatistic,
  type PreparedStatistic,
} from '../../../src/extension/measures/preparedStatistic';
import { assembleKernel, kernelModuleSource, MODULE_PATH } from '../../../scripts/kernel/assemble';
import { distFile, ROOT } from '../helpers';

interface Path {
  readonly steps: number;
  readonly outputs: number;
  readonly grid: 'even' | 'uneven' | 'periodic' | 'legacy';
  readonly edgeOrder: EdgeOrder;
}

/** A path's statistic ready for the test, from seeded random values. */
function prepared({ steps, outputs, grid, edgeOrder }: Path, seed = 1): PreparedStatistic {
  const rng = new Rng(seed, 99);
  const rows = Array.from({ length: steps }, () =>
    Array.from({ length: outputs }, () => rng.nextFloat()),
  );
  let s = 0;
  const strengths =
    grid === 'uneven'
      ? Array.from({ length: steps }, () => (s += 0.1 + rng.nextFloat()))
      : undefined;
  const g = makeGrid(steps, strengths, {
    legacy: grid === 'legacy',
    period: grid === 'periodic' ? steps : undefined,
  });
  const scale = outputs === 1 ? 1 / steps : 1 / (2 * steps);
  return prepareStatistic(
    toMatrix(outputs === 1 ? rows.map((r) => r[0]) : rows),
    makeStencil(g, edgeOrder),
    scale,
  );
}

/** Chunk `chunk` of (seed) by the kernel and by the reference; they must agree bit for bit. */
function assertSameChunk(
  prep: PreparedStatistic,
  seed: number,
  chunk: number,
  count: number,
): void {
  const kernel = loadKernel(prep);
  assert.ok(kernel, 'the kernel loads');
  const fast = new Float64Array(count);
  const reference = new Float64Array(count);
  kernel.sample(seed, chunk, count, fast, 0);
  sampleNullChunkReference(prep, seed, chunk, count, reference, 0);
  for (let j = 0; j < count; j++) {
    if (!Object.is(fast[j], reference[j])) {
      assert.fail(
        `permutation ${j} of chunk ${chunk} (seed ${seed}, ${prep.n} steps x ${prep.cols}): ` +
          `kernel ${fast[j]}, reference ${reference[j]}`,
      );
    }
  }
}

void test('the committed permutationWasm.ts is what npm run build:kernel assembles from the .wat', async () => {
  const expected = kernelModuleSource(await assembleKernel());
  assert.equal(
    readFileSync(MODULE_PATH, 'utf8'),
    expected,
    'permutationWasm.ts is out of date: run npm run build:kernel',
  );
});

void test('WebAssembly runs here, so every test below checks the kernel and not the fallback', () => {
  assert.equal(kernelAvailable(), true);
});

void test("the kernel's generator is rng.ts's xoshiro128** for every (seed, stream)", () => {
  for (const [seed, stream] of [
    [0, 0],
    [1, 0],
    [0, 1],
    [0xffffffff, 0xffffffff],
    [20_240_601, 9],
  ] as const) {
    const rng = new Rng(seed, stream);
    const expected = Array.from({ length: 64 }, () => rng.nextUint32());
    assert.deepEqual(
      Array.from(kernelDraws(seed, stream, 64) ?? []),
      expected,
      `${seed}/${stream}`,
    );
  }
});

void test('one output: the same statistics as the reference on every kind of grid', () => {
  for (const grid of ['even', 'uneven', 'periodic', 'legacy'] as const) {
    for (const edgeOrder of [1, 2] as const) {
      for (const steps of [3, 4, 5, 6, 9, 101, 500]) {
        assertSameChunk(prepared({ steps, outputs: 1, grid, edgeOrder }), 7, 3, 200);
      }
    }
  }
});

void test('several outputs: the same with the distance table (even grid) and without (uneven)', () => {
  for (const grid of ['even', 'uneven', 'periodic'] as const) {
    for (const outputs of [2, 3, 7, 64]) {
      for (const steps of [3, 5, 8, 101]) {
        assertSameChunk(prepared({ steps, outputs, grid, edgeOrder: 2 }, outputs), 11, 0, 100);
      }
    }
  }
});

void test('paths beyond the distance table (2,048 steps) add row distances in the kernel', () => {
  const prep = prepared({ steps: 2100, outputs: 3, grid: 'even', edgeOrder: 1 });
  assert.equal(prep.distances, null);
  assertSameChunk(prep, 5, 1, 4);
});

void test('every batch size of the draws: three, two and one index per random number', () => {
  // Three indices per draw up to 1,625 steps, two up to 65,536, one beyond.
  for (const steps of [1625, 1626, 1627, 1700, 65_536, 65_537, 70_000]) {
    assertSameChunk(prepared({ steps, outputs: 1, grid: 'even', edgeOrder: 1 }), 3, 0, 2);
  }
});

void test('property: kernel and reference agree on random paths, seeds and chunks', () => {
  fc.assert(
    fc.property(
      fc.record({
        steps: fc.integer({ min: 3, max: 40 }),
        outputs: fc.integer({ min: 1, max: 9 }),
        grid: fc.constantFrom('even', 'uneven', 'periodic', 'legacy'),
        edgeOrder: fc.constantFrom<EdgeOrder>(1, 2),
        values: fc.integer({ min: 0, max: 1000 }),
        seed: fc.integer({ min: 0, max: 0xffffffff }),
        chunk: fc.integer({ min: 0, max: 1000 }),
      }),
      ({ values, seed, chunk, ...path }) => {
        assertSameChunk(prepared(path, values), seed, chunk, 50);
      },
    ),
    { seed: 20_261_123, numRuns: 150 },
  );
});

void test('switching between statistics reloads the kernel (no stale layout)', () => {
  const a = prepared({ steps: 101, outputs: 1, grid: 'uneven', edgeOrder: 1 });
  const b = prepared({ steps: 30, outputs: 5, grid: 'even', edgeOrder: 2 });
  const c = prepared({ steps: 57, outputs: 4, grid: 'uneven', edgeOrder: 1 });
  for (const prep of [a, b, a, c, b, c, a]) assertSameChunk(prep, 1, 2, 64);
  // A sampler taken before another statistic was loaded still samples its own.
  const early = loadKernel(c);
  assert.ok(early);
  assertSameChunk(b, 1, 2, 64);
  const fast = new Float64Array(64);
  const reference = new Float64Array(64);
  early.sample(9, 4, 64, fast, 0);
  sampleNullChunkReference(c, 9, 4, 64, reference, 0);
  assert.deepEqual(fast, reference);
});

void test('sampleNull (all chunks) gives the reference null distribution', () => {
  const prep = prepared({ steps: 101, outputs: 1, grid: 'uneven', edgeOrder: 1 });
  const k = 2 * CHUNK_SIZE + 17;
  const reference = new Float64Array(k);
  for (let chunk = 0; chunk * CHUNK_SIZE < k; chunk++) {
    const count = Math.min(CHUNK_SIZE, k - chunk * CHUNK_SIZE);
    sampleNullChunkReference(prep, 4, chunk, count, reference, chunk * CHUNK_SIZE);
  }
  assert.deepEqual(sampleNull(prep, k, 4), reference);
});

void test('a chunk larger than the kernel takes falls back to the reference, same numbers', () => {
  const prep = prepared({ steps: 20, outputs: 1, grid: 'even', edgeOrder: 1 });
  const count = 2 * CHUNK_SIZE;
  const viaDispatch = new Float64Array(count);
  const reference = new Float64Array(count);
  sampleNullChunk(prep, 8, 0, count, viaDispatch, 0);
  sampleNullChunkReference(prep, 8, 0, count, reference, 0);
  assert.deepEqual(viaDispatch, reference);
  assert.throws(() => loadKernel(prep)?.sample(8, 0, count, viaDispatch, 0), RangeError);
});

void test('without WebAssembly (node --jitless) the CLI falls back to the reference: same output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-jitless-'));
  const rng = new Rng(3, 0);
  const input = join(dir, 'uneven.json');
  let s = 0;
  writeFileSync(
    input,
    JSON.stringify({
      strengths: Array.from({ length: 31 }, () => (s += 0.2 + rng.nextFloat())),
      predictions: Array.from({ length: 31 }, () => {
        const e = Array.from({ length: 7 }, () => Math.exp(3 * rng.nextFloat()));
        const sum = e.reduce((a, b) => a + b, 0);
        return e.map((v) => v / sum);
      }),
    }),
  );
  for (const file of [input, join(ROOT, 'examples', 'sine-legacy.json')]) {
    const run = (flags: string[]): string => {
      const r = spawnSync(
        process.execPath,
        [...flags, distFile('cli.js'), 'measure', '--input', file, '--json'],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    assert.equal(run(['--jitless']), run([]), file);
  }
});

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

import type { Analysis } from '../measures';
import { CHUNK_SIZE } from '../measures/nullDistribution';
import {
  isExact,
  permutationTest,
  summarizeNull,
  type PermutationTest,
} from '../measures/permutation';
import { observedStatistic, type PreparedStatistic } from '../measures/preparedStatistic';
import type { WorkerReply, WorkerRequest } from './permutationProtocol';

/** Where the worker script is and how many threads may run it. */
export interface PoolOptions {
  /** Path of the bundled worker (dist/permutationWorker.js). */
  readonly workerPath: string;
  readonly threads?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Below this many element operations (see estimateCost) one thread is faster: the WebAssembly
 * kernel does 5e8 in about 80 ms here, while starting two workers and sending them the statistic
 * costs about 50 ms. Measured on 2 cores: 9e7 takes 31 ms on one thread and 67 ms on the pool;
 * 3e9 takes 460 ms and 280 ms.
 */
export const PARALLEL_THRESHOLD = 5e8;

/**
 * Runs the shuffle test of an analysis, on worker threads when the work is large. Chunks are
 * seeded by (seed, chunk index), so the p-value is the same whatever the number of threads.
 * Workers are asked to stop between chunks and are never terminated mid-run.
 */
export async function runPermutationTest(
  analysis: Analysis,
  options: PoolOptions,
): Promise<PermutationTest> {
  const { prepared, testOptions } = analysis;
  options.signal?.throwIfAborted();
  const threads = Math.max(1, options.threads ?? availableParallelism());
  const chunks = Math.ceil(testOptions.permutations / CHUNK_SIZE);
  if (
    threads === 1 ||
    chunks < 2 ||
    isExact(prepared.n, testOptions.permutations) ||
    estimateCost(prepared, testOptions.permutations) < PARALLEL_THRESHOLD
  ) {
    return permutationTest(prepared, testOptions);
  }
  const cancel = new Int32Array(new SharedArrayBuffer(4));
  const onAbort = (): void => {
    Atomics.store(cancel, 0, 1);
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const nullStats = new Float64Array(testOptions.permutations);
    const assignments = Array.from({ length: Math.min(threads, chunks) }, (_, w) =>
      Array.from({ length: chunks }, (_, c) => c).filter((c) => c % threads === w),
    );
    const replies = await Promise.allSettled(
      assignments.map((mine) =>
        runWorker(options.workerPath, {
          type: 'permutations/run',
          prepared,
          seed: testOptions.seed,
          permutations: testOptions.permutations,
          chunks: mine,
          cancel,
        }),
      ),
    );
    options.signal?.throwIfAborted();
    for (const reply of replies) {
      if (reply.status === 'rejected') throw reply.reason;
      reply.value.chunks.forEach((chunk, i) => {
        const size = Math.min(CHUNK_SIZE, testOptions.permutations - chunk * CHUNK_SIZE);
        nullStats.set(
          reply.value.values.subarray(i * CHUNK_SIZE, i * CHUNK_SIZE + size),
          chunk * CHUNK_SIZE,
        );
      });
    }
    return summarizeNull(observedStatistic(prepared), nullStats, false, testOptions);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** Element operations of K permutations: shuffling plus evaluating every stencil row. */
export function estimateCost(prep: PreparedStatistic, permutations: number): number {
  const { kernel } = prep.stencil;
  const pairCost = prep.distances !== null ? 1 : prep.cols;
  const pairs = kernel.centralTo - kernel.centralFrom + kernel.pairWeight.length;
  return permutations * (prep.n + pairs * pairCost + kernel.tripleCoef.length * prep.cols);
}

function runWorker(
  workerPath: string,
  request: WorkerRequest,
): Promise<Extract<WorkerReply, { type: 'permutations/done' }>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerPath);
    let settled = false;
    const settle = (action: () => void): void => {
      if (!settled) {
        settled = true;
        action();
      }
    };
    worker.on('message', (reply: WorkerReply) => {
      switch (reply.type) {
        case 'permutations/done':
          settle(() => {
            resolve(reply);
          });
          break;
        case 'permutations/cancelled':
          settle(() => {
            reject(new DOMException('The permutation test was cancelled.', 'AbortError'));
          });
          break;
        case 'permutations/failed':
          settle(() => {
            reject(new Error(`A permutation worker failed: ${reply.message}`));
          });
          break;
      }
      void worker.terminate(); // the worker has finished its run; this only releases the thread
    });
    worker.on('error', (error) => {
      settle(() => {
        reject(error);
      });
    });
    worker.on('exit', (code) => {
      settle(() => {
        reject(new Error(`A permutation worker exited with code ${code} before answering.`));
      });
    });
    worker.postMessage(request);
  });
}

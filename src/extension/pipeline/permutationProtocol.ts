import type { PreparedStatistic } from '../measures/preparedStatistic';

/** Messages between the permutation pool and its worker threads. */
export interface WorkerRequest {
  readonly type: 'permutations/run';
  readonly prepared: PreparedStatistic;
  readonly seed: number;
  readonly permutations: number;
  /** Chunk indices this worker computes, in order. */
  readonly chunks: readonly number[];
  /** Set to 1 by the pool to ask the worker to stop before its next chunk. */
  readonly cancel: Int32Array;
}

/** What a worker answers, exactly once. */
export type WorkerReply =
  | {
      readonly type: 'permutations/done';
      readonly chunks: readonly number[];
      /** CHUNK_SIZE slots per chunk, in the order of `chunks`. */
      readonly values: Float64Array;
    }
  | { readonly type: 'permutations/cancelled' }
  | { readonly type: 'permutations/failed'; readonly message: string };

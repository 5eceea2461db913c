// Which shards a folder run takes: one rule for the command line (--shard I/N), the request to the
// inference child and a summary read from disk, so that a shard one of them accepts is never
// refused by another (a cluster's shard written, then refused when merged or opened).
import { isPlainObject } from './coerce';

/** The most shards a folder run is split into: as many as a folder run lists images at most. */
export const MAX_SHARDS = 100_000;

/** What a shard must be, as a problem names it. */
const SHARD_RULE = `whole numbers 1 <= index <= count <= ${MAX_SHARDS}`;

/**
 * What is wrong with a shard `{ index, count }` (whole numbers, 1 <= index <= count <=
 * MAX_SHARDS), or null when it is one.
 */
export function shardProblem(x: unknown): string | null {
  if (!isPlainObject(x)) return `a shard { index, count } of ${SHARD_RULE}`;
  const { index, count } = x;
  return isWhole(index) && isWhole(count) && 1 <= index && index <= count && count <= MAX_SHARDS
    ? null
    : `a shard with ${SHARD_RULE}`;
}

function isWhole(x: unknown): x is number {
  return Number.isSafeInteger(x);
}

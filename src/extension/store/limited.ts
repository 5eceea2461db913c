/**
 * How many frame files are read or written at once. Opening every file of a long path together
 * (2,000 steps) runs into the usual limit of 1,024 open files (EMFILE); a few at a time keep the
 * disk and sharp's threads as busy.
 */
export const FILE_CONCURRENCY = 16;

/**
 * `work` on every item, at most `limit` at a time; resolves to the results in item order. After a
 * failure no new item starts, and the first error is thrown only once every started one has
 * settled, so nothing is left running (or rejecting) behind a failed call.
 */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { readonly error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}

/**
 * Maps `items` through `fn` with at most `limit` calls in flight (default 4), keeping input order.
 * Every item is processed even when some fail; failures are returned as `{ error }` slots rather than
 * thrown, so callers can report all of them.
 */
export async function mapSettled<T, R>(
  items: readonly T[],
  fn: (item: T, index: number) => Promise<R>,
  limit = 4,
): Promise<({ value: R; error?: undefined } | { value?: undefined; error: unknown })[]> {
  const results: ({ value: R; error?: undefined } | { value?: undefined; error: unknown })[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { value: await fn(items[i] as T, i) };
      } catch (error) {
        results[i] = { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

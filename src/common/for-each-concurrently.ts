/**
 * Runs `work` over `items`, at most `concurrency` at a time, in order of start. The first error that
 * escapes `work` rejects the whole (the lanes still running finish their current item); a caller that
 * wants to go on past bad items reports them inside `work`.
 */
export async function forEachConcurrently<T>(
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
}

/**
 * Runs `work` over `items`, at most `concurrency` at a time, in order of start. The first error that
 * escapes `work` rejects the whole (the other lanes finish their current item and start no other); a caller that
 * wants to go on past bad items reports them inside `work`.
 */
export async function forEachConcurrently<T>(
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      try {
        await work(items[next++]);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
}

/**
 * Memoises an async call for the life of the returned function. A failure is not kept: the next
 * caller tries again (a secret read that failed once must not fail the instance forever).
 */
export function memoizeAsync<T>(call: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= call().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

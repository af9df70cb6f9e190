// Small helpers shared by the js-tests.
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A promise that rejects with `signal.reason` when `signal` aborts. */
export function abortable<T>(signal: AbortSignal, ms = 10_000, value?: T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => resolve(value as T), ms);
    signal.addEventListener("abort", () => {
      clearTimeout(t);
      reject(signal.reason);
    }, { once: true });
  });
}

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

/**
 * Waits until `cond()` holds, looking every 2 ms, and fails after `ms`. Tests
 * wait for what they observe rather than for a fixed time, so that a loaded
 * CI machine (timers late by tens of milliseconds) does not fail them.
 */
export async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`not met within ${ms} ms: ${String(cond)}`);
    await sleep(2);
  }
}

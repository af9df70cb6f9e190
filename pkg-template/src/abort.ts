// `onAbort(signal, fn)` and `whenAborted(signal)` (go-go-scope 2.x): one
// listener on a user AbortSignal, removed by the disposable `onAbort`
// returns (or after it fired), and a promise of the abort reason. Nothing
// here is kept by the library: the listener is the caller's.
import { checkSignal, addAbortListener, reasonOfSignal, removeAbortListener } from "./signal";
import { mustBe } from "./errors";

/**
 * Calls `callback(reason)` once when `signal` aborts (at once if it already
 * has); the returned `Disposable` removes the listener.
 */
export function onAbort(signal: AbortSignal, callback: (reason: unknown) => void): Disposable {
  const aborted = checkSignal(signal, "onAbort: signal");
  if (typeof callback !== "function") throw mustBe("onAbort: callback", "a function", callback);
  if (aborted) {
    callback(reasonOfSignal(signal));
    return { [Symbol.dispose]() {} };
  }
  let live = true;
  const listener = (): void => {
    if (!live) return;
    live = false;
    callback(reasonOfSignal(signal));
  };
  addAbortListener(signal, listener);
  return {
    [Symbol.dispose]() {
      if (!live) return;
      live = false;
      removeAbortListener(signal, listener);
    },
  };
}

/** Resolves with `signal.reason` once `signal` aborts (at once if it has). */
export function whenAborted(signal: AbortSignal): Promise<unknown> {
  if (checkSignal(signal, "whenAborted: signal")) return Promise.resolve(reasonOfSignal(signal));
  return new Promise((resolve) => addAbortListener(signal, () => resolve(reasonOfSignal(signal))));
}

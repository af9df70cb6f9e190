// AsyncDisposableResource: acquire once, dispose once. The rules are the
// machine's (src/machine/resource.rs `step`); the object keeps its state
// number, its functions and its value, and asks what each call or outcome
// means. No machine record: a resource dropped without disposing leaves
// nothing behind.
import { W, failure, guard } from "./wasm";
import { mustBe } from "./errors";

/** `ResEvent` of resource.rs. */
const enum Ev {
  Acquire = 0,
  Acquired = 1,
  AcquiredEmpty = 2,
  AcquireFailed = 3,
  Dispose = 4,
  Disposed = 5,
  DisposeFailed = 6,
}

/** `ResAction` of resource.rs. */
const enum Act {
  CallAcquire = 1,
  CallDispose = 2,
  JoinDispose = 3,
}

/** A resource with an async `acquire` and a `dispose(value)` that runs once. */
export class AsyncDisposableResource<T = unknown> {
  #acquire: () => T | PromiseLike<T>;
  #dispose: (value: T) => unknown;
  #state: number;
  #value: T | undefined;
  /** The disposal in flight. */
  #disposing: Promise<void> | undefined;

  constructor(acquire: () => T | PromiseLike<T>, dispose: (value: T) => unknown) {
    guard();
    if (typeof acquire !== "function") throw mustBe("AsyncDisposableResource: acquire", "a function", acquire);
    if (typeof dispose !== "function") throw mustBe("AsyncDisposableResource: dispose", "a function", dispose);
    this.#acquire = acquire;
    this.#dispose = dispose;
    this.#state = 0;
    this.#value = undefined;
    this.#disposing = undefined;
  }

  /** Moves to the machine's next state; the action, or -1 if refused. */
  #step(ev: Ev): number {
    const r = W.resource_step(this.#state, ev);
    if (r === -1) return -1;
    this.#state = r & 7;
    return r >> 3;
  }

  /** Acquires the resource; a second call rejects with "Resource already acquired". */
  acquire(): Promise<T> {
    check(this);
    guard();
    if (this.#step(Ev.Acquire) !== Act.CallAcquire) return Promise.reject(failure());
    const f = this.#acquire;
    let r: T | PromiseLike<T>;
    try {
      r = f();
    } catch (e) {
      this.#step(Ev.AcquireFailed);
      return Promise.reject(e);
    }
    return Promise.resolve(r).then(
      (v) => {
        this.#value = v;
        this.#step(v === undefined ? Ev.AcquiredEmpty : Ev.Acquired);
        return v;
      },
      (e: unknown) => {
        this.#step(Ev.AcquireFailed);
        throw e;
      },
    );
  }

  /** The acquired value, or `undefined`. */
  get value(): T | undefined {
    check(this);
    return this.#value;
  }

  /** Runs `dispose(value)` once, if acquired. */
  [Symbol.asyncDispose](): Promise<void> {
    check(this);
    guard();
    const act = this.#step(Ev.Dispose);
    if (act === Act.JoinDispose) return this.#disposing!;
    if (act !== Act.CallDispose) return Promise.resolve();
    const f = this.#dispose;
    let r: unknown;
    try {
      r = f(this.#value as T);
    } catch (e) {
      this.#step(Ev.DisposeFailed);
      return Promise.reject(e);
    }
    return (this.#disposing = Promise.resolve(r).then(
      () => {
        this.#disposing = undefined;
        this.#value = undefined;
        this.#step(Ev.Disposed);
      },
      (e: unknown) => {
        this.#disposing = undefined;
        this.#step(Ev.DisposeFailed);
        throw e;
      },
    ));
  }
}

function check(r: unknown): asserts r is AsyncDisposableResource {
  if (!(r instanceof AsyncDisposableResource)) {
    throw new TypeError("AsyncDisposableResource method called on an object that is not an AsyncDisposableResource");
  }
}

// The executor's heart: the wasm instance, the effect loop, and the rules
// every call into the machine follows.
//
// - The machine (src/machine/, Rust) decides; this file and its siblings
//   only carry out its effects and keep the JS things (functions, promises,
//   values, AbortControllers, timers) in tables indexed by the machine's ids.
// - No wasm frame is on the stack while user code runs: a call into the
//   machine returns, its effects are copied out, and only then are they
//   applied (which may call user code, always inside `try`).
// - A user command (a public method) applies its own effects before it
//   returns: its queue is its own. An event reported from inside the effect
//   loop (a cleanup that finished synchronously, say) appends its effects to
//   the queue being applied, so long chains never recurse.
import * as W from "../go_go_scope_wasm.js";

export { W };

type Apply = (a: number, b: number, c: number) => void;

/** Effect handlers by opcode (src/machine/effect.rs `Op`); each primitive's file registers its own. */
export const handlers: Apply[] = [];

export function on(op: number, f: Apply): void {
  handlers[op] = f;
}

let memory: WebAssembly.Memory | undefined;
let view = new Float64Array(0);

/** Called by the entry once the wasm is instantiated. */
export function ready(exports: { memory: WebAssembly.Memory }): void {
  memory = exports.memory;
}

/** Bytes of wasm memory (for the memory checks). */
export function memoryBytes(): number {
  return memory === undefined ? 0 : memory.buffer.byteLength;
}

/** The queue being applied, if any (events from inside the loop append to it). */
let Q: number[] | null = null;

function take(q: number[]): void {
  const n = W.fx_len();
  if (n === 0) return;
  if (view.buffer !== memory!.buffer) view = new Float64Array(memory!.buffer);
  const p = W.fx_ptr() / 8;
  for (let i = 0; i < n; i++) q.push(view[p + i]);
  W.fx_clear();
}

/** After a user command or a top-level event: apply what the machine emitted. */
export function run(): void {
  if (W.fx_len() === 0) return;
  const q: number[] = [];
  take(q);
  const outer = Q;
  Q = q;
  try {
    for (let i = 0; i < q.length; i += 4) {
      try {
        handlers[q[i]](q[i + 1], q[i + 2], q[i + 3]);
      } catch {
        // A handler only throws if the stack ran out around it; the next
        // effects still belong to other ids and must not be lost.
      }
    }
  } finally {
    Q = outer;
  }
}

/** After an event reported from an effect handler: append, or run. */
export function after(): void {
  if (Q !== null) take(Q);
  else run();
}

/** Slot index of a key (keys are index + generation * 2^32). */
export function idx(k: number): number {
  return k % 4294967296;
}

let probeDepth = 24;

function probeJs(n: number): number {
  return n === 0 ? W.probe(48) : probeJs(n - 1) + 1;
}

/**
 * Every public entry calls this first: if the stack is nearly exhausted
 * (user recursion), the RangeError strikes here, before the machine or the
 * executor changed anything, instead of in the middle of an operation.
 */
export function guard(): void {
  probeJs(probeDepth);
}

/** Test hook: how deep the guard probes. */
export function setProbeDepth(n: number): void {
  probeDepth = n;
}

const ERRORS = [Error, Error, TypeError, RangeError];

/** The machine refused the last command: the error it says, with its number printed as JS prints it. */
export function failure(): Error {
  const kind = W.fail_kind();
  const message = W.fail_message().replace("\u0001", String(W.fail_number()));
  return new (ERRORS[kind] ?? Error)(message);
}

/** The clock every event carries (ms). */
export const now: () => number = Date.now;

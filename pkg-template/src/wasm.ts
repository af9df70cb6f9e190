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
import type { Machine } from "./exports";

/** The machine's exports (set by `ready`). */
export let W: Machine = undefined as unknown as Machine;

type Apply = (a: number, b: number, c: number) => void;

/** Effect handlers by opcode (src/machine/effect.rs `Op`); each primitive's file registers its own. */
export const handlers: Apply[] = [];

export function on(op: number, f: Apply): void {
  handlers[op] = f;
}

let memory: WebAssembly.Memory | undefined;
let view = new Float64Array(0);
/** The wasm stack pointer and its value when no wasm frame is live. */
let sp: WebAssembly.Global | undefined;
let sp0 = 0;

/** What the wasm imports: wasm-bindgen's start-up fills its (unused) externref table. */
function imports(): WebAssembly.Imports {
  return {
    "./go_go_scope_wasm_bg.js": {
      __wbindgen_init_externref_table() {
        const t = W.__wbindgen_externrefs;
        if (t === undefined) return;
        t.set(0, undefined);
        t.set(1024, undefined);
        t.set(1025, null);
        t.set(1026, true);
        t.set(1027, false);
      },
    },
  };
}

function started(instance: WebAssembly.Instance): void {
  W = instance.exports as unknown as Machine;
  memory = W.memory;
  headAt = (W.fx_head() >>> 0) / 4;
  idAt = (W.task_id_at() >>> 0) / 8;
  sp = W.__sp;
  if (sp !== undefined) sp0 = sp.value as number;
  W.__wbindgen_start?.();
}

/** Instantiates the machine synchronously (Node, Workers, Deno: a compiled module or its bytes). */
export function readySync(module: WebAssembly.Module | BufferSource): void {
  const m = module instanceof WebAssembly.Module ? module : new WebAssembly.Module(module);
  started(new WebAssembly.Instance(m, imports()));
}

/** Instantiates the machine from a URL (browsers: streaming compile where the server allows it). */
export async function readyAsync(url: URL): Promise<void> {
  const response = fetch(url);
  let result: WebAssembly.WebAssemblyInstantiatedSource | undefined;
  if (typeof WebAssembly.instantiateStreaming === "function") {
    try {
      result = await WebAssembly.instantiateStreaming(response, imports());
    } catch {
      // a server that does not send application/wasm: compile from bytes
    }
  }
  result ??= await WebAssembly.instantiate(await (await response).arrayBuffer(), imports());
  started(result.instance);
}

/** Test hook: effects kept for later after a stack overflow (0 once they ran). */
export function keptEffects(): number {
  return orphans.length / 4;
}

/** Test hook: `[current, at rest]` wasm stack pointer (equal between calls). */
export function stackPointer(): [number, number] {
  return [sp === undefined ? -1 : (sp.value as number), sp0];
}

/**
 * Puts the wasm stack pointer back where it is whenever no wasm frame is
 * live (always, between calls: the machine never calls out). A stack
 * overflow that unwound through wasm frames skipped their epilogues and
 * left it lowered (wasm-bindgen issues 1959/1963).
 */
function restoreStack(): void {
  if (sp !== undefined && sp.value !== sp0) sp.value = sp0;
}

/** Bytes of wasm memory (for the memory checks). */
export function memoryBytes(): number {
  return memory === undefined ? 0 : memory.buffer.byteLength;
}

/**
 * The queues being applied: one per nesting depth of `run`, reused (no
 * allocation per call). `Q`/`QN` are the current one and its length in
 * words; events reported from inside its loop append to it.
 */
const pool: Float64Array[] = [];
let depth = -1;
let Q: Float64Array | null = null;
let QN = 0;

/** Where the effect buffer's head is (fixed): the words' address, their count (src/machine/effect.rs `Effects`). */
let headAt = 0;
let u32 = new Uint32Array(0);
/** Where the id of the task `spawn` made last is (fixed). */
let idAt = 0;

/** Takes the machine's new effects, with no call: their word index; `taken` their count. */
let taken = 0;
function fxTake(): number {
  // A view of memory that grew since is detached (length 0): make a new one.
  if (u32.length === 0) u32 = new Uint32Array(memory!.buffer);
  taken = u32[headAt + 1];
  if (taken === 0) return 0;
  u32[headAt + 1] = 0; // handed over: the next effect starts the buffer over
  return u32[headAt] / 8;
}

/** The id of the task `spawn` just made. */
export function lastTaskId(): number {
  if (view.length === 0 || idAt >= view.length) view = new Float64Array(memory!.buffer);
  return view[idAt];
}

/** Appends `n` effect words at word index `p` to the current queue. */
function copyIn(p: number, n: number): void {
  if (p + n > view.length) view = new Float64Array(memory!.buffer);
  let q = Q!;
  if (QN + n > q.length) {
    const grown = new Float64Array(Math.max(q.length * 2, QN + n));
    grown.set(q.subarray(0, QN));
    pool[depth] = Q = q = grown;
  }
  // A few words each time: a plain loop beats making a subarray.
  for (let i = 0; i < n; i++) q[QN + i] = view[p + i];
  QN += n;
}

/** Appends the machine's new effects to the current queue. */
function take(): void {
  const p = fxTake();
  if (taken !== 0) copyIn(p, taken);
}

/**
 * Effects whose handler was interrupted by a stack overflow at its entry
 * (user recursion calling into the library): applied again at the next
 * top-level run, so no task is left unstarted or unsettled.
 */
const orphans: number[] = [];

function apply(op: number, a: number, b: number, c: number): void {
  try {
    handlers[op](a, b, c);
  } catch (e) {
    // A stack overflow at a handler's entry (user code runs inside the
    // handlers' own try): keep the effect for the next run. Inline stores
    // only, so this cannot overflow in turn. Handlers return quietly when
    // their entry is gone, so a re-run is harmless.
    if (!(e instanceof RangeError)) return;
    const n = orphans.length;
    orphans[n] = op;
    orphans[n + 1] = a;
    orphans[n + 2] = b;
    orphans[n + 3] = c;
  }
}

let orphanTick = false;

function drainOrphans(): void {
  orphanTick = false;
  run();
}

/** Applies the machine's effects in a queue of their own. */
function loop(first: number[] | null, p: number, n: number): void {
  const outerQ = Q;
  const outerN = QN;
  depth++;
  Q = pool[depth] ??= new Float64Array(64);
  QN = 0;
  try {
    // Copy first: the words at `p` last only until the next machine call.
    if (n !== 0) copyIn(p, n);
    if (first !== null) {
      for (let i = 0; i < first.length; i += 4) apply(first[i], first[i + 1], first[i + 2], first[i + 3]);
    }
    // `Q` grows (and may be replaced) while it is applied.
    for (let i = 0; i < QN; i += 4) {
      const q = Q!;
      apply(q[i], q[i + 1], q[i + 2], q[i + 3]);
    }
  } finally {
    depth--;
    Q = outerQ;
    QN = outerN;
    // Kept effects go on soon even if nothing else calls in: some frame on
    // the way out has the stack to schedule that.
    if (orphans.length !== 0 && !orphanTick) {
      try {
        queueMicrotask(drainOrphans);
        orphanTick = true;
      } catch {
        // the next frame out tries again
      }
    }
  }
}

/** After a user command or a top-level event: apply what the machine emitted. */
export function run(): void {
  const first = Q === null && orphans.length !== 0 ? orphans.splice(0) : null;
  const p = fxTake();
  if (taken !== 0 || first !== null) loop(first, p, taken);
}

/** After an event reported from an effect handler: append, or run. */
export function after(): void {
  if (Q !== null) take();
  else run();
}

/**
 * Fills `a` with `undefined` up to index `i`, for a write at `i` past its
 * end. The machine reuses freed slots last-in first-out, so after a burst
 * a write can land far beyond an array's length; V8 would then turn the
 * array sparse (dictionary elements), slow for every reader, and slow the
 * shared code that reads other arrays too. Callers check `i > a.length`
 * first, so the common append stays a plain store.
 */
export function reach(a: unknown[], i: number): void {
  for (let n = a.length; n < i; n++) a.push(undefined);
}

/** Slot index of a key (keys are index + generation * 2^32). */
export function idx(k: number): number {
  return k % 4294967296;
}

// Deeper than any chain of calls inside one machine command (wasm), and
// than the executor's own frames around one (JS: the effect loop, a handler,
// its report), in whichever tier the code runs. Each JS level passes eight
// values on, so its frame is about twice a plain call's.
let probeDepth = 1;
let jsDepth = 10;

function probeJs(n: number, a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number): number {
  return n === 0 ? W.probe(probeDepth) : probeJs(n - 1, b, c, d, e, f, g, h, a) + a;
}

/** The wasm stack pointer may be off: a stack overflow went through wasm. */
let spDirty = false;
/** Public calls since the stack pointer was last checked. */
let calls = 0;

/**
 * Every public entry calls this first: if the stack is nearly exhausted
 * (user recursion), the RangeError strikes here, in a wasm function that
 * changes nothing, rather than in the middle of a machine command. (The
 * executor's own steps after a command are either plain stores, or effect
 * handlers whose interruption keeps the effect for later: see `apply`.)
 */
export function guard(): void {
  // After an overflow seen here, and every 64 calls in any case (an
  // overflow inside a command escapes to the caller unseen): a few hundred
  // bytes of a 1 MB shadow stack are the most that can stay lowered.
  if (spDirty || (++calls & 63) === 0) {
    restoreStack();
    spDirty = false;
  }
  try {
    probeJs(jsDepth, 1, 2, 3, 4, 5, 6, 7, 8);
  } catch (e) {
    // The overflow may have struck inside the wasm probe, skipping its
    // epilogue: put the stack pointer back at the next entry (a plain
    // store here: this frame is at the edge of the stack).
    spDirty = true;
    throw e;
  }
}

/** Test hook: how deep the guard probes. */
export function setProbeDepth(n: number, js = jsDepth): void {
  probeDepth = n;
  jsDepth = js;
}

const ERRORS = [Error, Error, TypeError, RangeError];
const decoder = new TextDecoder();

/** The machine refused the last command: the error it says, with its number printed as JS prints it. */
export function failure(): Error {
  const kind = W.fail_kind();
  const p = W.fail_message_ptr() >>> 0;
  const text = decoder.decode(new Uint8Array(memory!.buffer, p, W.fail_message_len()));
  const message = text.replace("\u0001", String(W.fail_number()));
  return new (ERRORS[kind] ?? Error)(message);
}

/** The clock every event carries (ms). */
export const now: () => number = Date.now;

/**
 * A JS table indexed by the machine's keys. The machine may hand a freed
 * slot out again before this side has applied the effect that releases it
 * (user code run by an earlier effect of the same queue can make a new
 * record), so each entry remembers its full key: reads and deletes of a
 * stale key miss instead of touching the newer entry.
 */
export class Table<V> {
  private readonly v: (V | undefined)[] = [];
  private readonly k: number[] = [];

  set(key: number, value: V): void {
    const i = key % 4294967296;
    if (i > this.v.length) {
      reach(this.v, i);
      reach(this.k, i);
    }
    this.v[i] = value;
    this.k[i] = key;
  }

  get(key: number): V | undefined {
    const i = key % 4294967296;
    return this.k[i] === key ? this.v[i] : undefined;
  }

  /** Removes and returns the entry of `key` (if it is still that key's). */
  take(key: number): V | undefined {
    const i = key % 4294967296;
    if (this.k[i] !== key) return undefined;
    const value = this.v[i];
    this.v[i] = undefined;
    this.k[i] = -1;
    return value;
  }
}

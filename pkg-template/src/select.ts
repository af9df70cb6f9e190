// `select` (go-go-scope 2.x's `s.select`, with Go's semantics): one case of
// several channels' receives and sends fires. Which one, when, and what the
// others give back are the machine's (src/machine/select.rs); here the
// cases are read, tried in order, queued, and the Result is settled.
import { Table, W, after, failure, guard, on } from "./wasm";
import { Channel, forgetSlot, tryCase, waitCase } from "./channel";
import { reasonOf } from "./signal";
import { Scope } from "./scope";
import { mustBe, optionalFunction, optionsObject } from "./errors";

type Fn = (v?: unknown) => unknown;

/** A case read once from the user's: channel, 1 for a send (of value), then. */
type Case = [Channel<unknown>, number, unknown, Fn | undefined];

/** A waiting select: its cases, its promise's resolve, whether it is over. */
type Sel = [number, Case[], (r: unknown) => void, boolean];

const S = new Table<Sel>();

function chan(v: unknown, what: string): Channel<unknown> {
  try {
    Channel._box(v);
  } catch {
    throw mustBe(what, "a Channel", v);
  }
  return v as Channel<unknown>;
}

/** 2.x's `Map` of channel → handler (receives), or an array of `{ receive, then }` / `{ send, value, then }`. */
function readCases(cases: unknown): Case[] {
  const out: Case[] = [];
  if (cases instanceof Map) {
    for (const [ch, fn] of cases as Map<unknown, unknown>) {
      if (typeof fn !== "function") throw mustBe("select: a handler", "a function", fn);
      out.push([chan(ch, "select: a key"), 0, undefined, fn as Fn]);
    }
  } else {
    if (!Array.isArray(cases)) throw mustBe("select: cases", "a Map or an array", cases);
    for (let i = 0; i < cases.length; i++) {
      const what = `select: cases[${i}]`;
      const o = optionsObject(cases[i], what) ?? {};
      const r = o.receive;
      const s = o.send;
      const send = s === undefined || s === null ? 0 : 1;
      if ((r === undefined || r === null) === !send) throw new TypeError(`${what} must have one of receive or send`);
      out.push([chan(send ? s : r, what + (send ? ".send" : ".receive")), send, send ? o.value : undefined, optionalFunction(o.then, what + ".then") as Fn | undefined]);
    }
  }
  return out;
}

/** Resolves with what `then` makes of the outcome (later, never inside the channel call that fired it). */
function settle(res: (r: unknown) => void, outcome: unknown, then: Fn | undefined): void {
  const p = Promise.resolve(outcome);
  res((then ? p.then(then) : p).then(
    (v) => [undefined, v],
    (e) => [e, undefined],
  ));
}

/** The select is over: it forgets the slots it leaves behind, as the machine hands them out. */
function end(sel: Sel): void {
  sel[3] = true;
  S.take(sel[0]);
  for (let i; (i = W.sel_forget(sel[0])) >= 0; ) forgetSlot(i);
  after(); // its timer and node
}

/** A waiting case fired with `v` (or failed with its channel's abort reason). */
function fire(sel: Sel, c: Case, v: unknown, good: boolean): void {
  if (sel[3]) return;
  end(sel);
  if (good) settle(sel[2], v, c[3]);
  else sel[2]([v, undefined]);
}

function begin(scope: number, cases: unknown, options: unknown, gone: () => unknown): Promise<unknown> {
  const cs = readCases(cases);
  const o = optionsObject(options, "select");
  const t = o?.timeout ?? 0;
  if (typeof t !== "number") throw mustBe("select: timeout", "a number", t);
  const d = optionalFunction(o?.default, "select: default");
  guard();
  // Go's `select {}` waits forever; 2.x answers this error.
  if (cs.length === 0 && !d) return Promise.resolve([new Error("select called with no cases"), undefined]);
  const g = W.sel_new(scope, t);
  if (g === -1) throw failure();
  if (g === -2) return Promise.resolve([gone(), undefined]);
  let res!: (r: unknown) => void;
  const p = new Promise<unknown>((r) => (res = r));
  const sel: Sel = [g, cs, res, false];
  S.set(g, sel);
  after(); // its timer, or (a cancelled scope) its end
  if (sel[3]) return p;
  // The first ready case, in order, fires.
  for (const c of cs) {
    const out = tryCase(c[0], c[1], c[2]);
    if (out !== undefined) {
      end(sel);
      settle(res, out, c[3]);
      return p;
    }
  }
  if (d) {
    end(sel);
    settle(res, undefined, d as Fn);
    return p;
  }
  for (const c of cs) {
    const r = waitCase(g, c[0], c[1], c[2], (v) => fire(sel, c, v, true), (e) => fire(sel, c, e, false));
    // Ready after all (not reached: nothing runs between the passes): start over.
    if (r === -6) {
      end(sel);
      res(begin(scope, cases, options, gone));
    }
    if (r < 0) break; // over (cancelled: its SelDone settles it)
  }
  return p;
}

on(76 /* SelDone */, (g, r) => {
  const sel = S.get(g);
  if (sel === undefined) return;
  const reason = reasonOf(r); // read before the reason's release
  end(sel);
  sel[2]([reason, undefined]);
});

/**
 * Go's `select`: the first ready case in order fires, else `default` if
 * given, else the first case to become ready; a `timeout` cancels a waiting
 * select (`[Error("timeout after <ms>ms")]`), which then takes nothing.
 */
export function select(cases: unknown, options?: unknown): Promise<unknown> {
  return begin(-1, cases, options, () => undefined);
}

declare module "./scope" {
  interface Scope<Services extends Record<string, unknown> = Record<string, never>> {
    /** `select` owned by the scope: its abort cancels a waiting select with the scope's reason. */
    select(cases: unknown, options?: unknown): Promise<unknown>;
  }
}

Scope.prototype.select = function (this: Scope, cases: unknown, options?: unknown): Promise<unknown> {
  if (!(this instanceof Scope)) throw new TypeError("Scope method called on an object that is not a Scope");
  return begin(Scope.key(this), cases, options, () => this.signal.reason);
};

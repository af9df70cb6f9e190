// `s.debugTree({ format })` (go-go-scope 2.x): the live tree of scopes and
// tasks under a scope. Which rows, in which order, with which states, is
// the machine's (src/machine/debug.rs); here are the names and the text.
import { W, guard } from "./wasm";
import { S, Scope } from "./scope";
import { T } from "./task";
import { optionsObject, typeName } from "./errors";

declare module "./scope" {
  interface Scope {
    /** The live tree of this scope, its child scopes and their tasks, as ASCII or a Mermaid graph. */
    debugTree(options?: { format?: "ascii" | "mermaid" }): string;
  }
}

const STATES = ["", "aborted", "disposing", "running", "queued", "retrying"];
const ICONS = ["📦", "⚠️", "💀"];

/** What a row says: a scope's icon, name and state, or a task's id and state. */
function label(flags: number, key: number): string {
  const state = (flags >> 2) & 7;
  if ((flags & 1) === 0) {
    const name = S.get(key)?._name ?? "scope";
    return `${ICONS[state]} ${name}${state === 0 ? "" : ` (${STATES[state]})`}`;
  }
  const id = T[key % 4294967296]?._id;
  return `${id ? `task #${id}` : "task"} ${STATES[state]}`;
}

Scope.prototype.debugTree = function (this: Scope, options?: { format?: "ascii" | "mermaid" }): string {
  if (!(this instanceof Scope)) throw new TypeError("Scope method called on an object that is not a Scope");
  guard();
  const o = optionsObject(options, "debugTree");
  const format = o?.format ?? "ascii";
  if (format !== "ascii" && format !== "mermaid") {
    if (typeof format !== "string") throw new TypeError(`debugTree: format must be a string, got ${typeName(format)}`);
    throw new RangeError(`debugTree: format must be "ascii" or "mermaid", got "${format}"`);
  }
  const n = W.debug_tree(Scope.key(this));
  const lines: string[] = format === "mermaid" ? ["graph TD"] : [];
  // ASCII: the prefix of the rows under each depth's latest row.
  const pre: string[] = [""];
  for (let i = 0; i < n; i++) {
    const flags = W.debug_row(i, 0);
    const text = label(flags, W.debug_row(i, 1));
    const parent = W.debug_row(i, 2);
    if (format === "mermaid") {
      const node = `n${i}["${text.replace(/"/g, "#quot;")}"]`;
      lines.push(parent === -1 ? `    ${node}` : `    n${parent} --> ${node}`);
      continue;
    }
    const depth = flags >> 5;
    const last = (flags & 2) !== 0;
    if (depth === 0) {
      lines.push(text);
      continue;
    }
    lines.push(`${pre[depth - 1]}${last ? "└─ " : "├─ "}${text}`);
    pre[depth] = pre[depth - 1] + (last ? "   " : "│  ");
  }
  return lines.join("\n");
};

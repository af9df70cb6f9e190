// The shipped wasm (`pkg/`) instantiated on its own, with no executor: for
// the scripts that time the machine's exports alone (channel-floor.mjs,
// channel-boundary.mjs, cycle-floor.mjs). Exports are found by the names
// the sources use, through build/export-names.json (written by
// scripts/build.mjs).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** A fresh instance of `pkg`'s wasm: its exports, and `fn(name)` for one by its source name. */
export function shippedInstance(pkg = join(root, "pkg")) {
  const names = JSON.parse(readFileSync(join(root, "build", "export-names.json"), "utf8"));
  const module = new WebAssembly.Module(readFileSync(join(pkg, "go_go_scope_wasm_bg.wasm")));
  const imports = { "./go_go_scope_wasm_bg.js": { __wbindgen_init_externref_table() {} } };
  const X = new WebAssembly.Instance(module, imports).exports;
  return { X, fn: (name) => X[names[name] ?? name] };
}

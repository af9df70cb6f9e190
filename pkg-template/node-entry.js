// Node entry (bundled to CommonJS as index.cjs): loads the wasm synchronously,
// so no init call is needed.
import { initSync } from "./go_go_scope_wasm.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";

initSync({ module: readFileSync(join(__dirname, "go_go_scope_wasm_bg.wasm")) });

export * from "./shim.js";

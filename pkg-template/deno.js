// Deno entry: a source-phase import gives the wasm as a WebAssembly.Module
// (a module load, so no --allow-read), instantiated synchronously here.
import source wasm from "./go_go_scope_wasm_bg.wasm";
import { initSync } from "./go_go_scope_wasm.js";

initSync({ module: wasm });

export * from "./shim.js";

// The wasm as a WebAssembly.Module, by a source-phase import (Deno >= 2.6).
import source wasm from "./go_go_scope_wasm_bg.wasm";

export default wasm;

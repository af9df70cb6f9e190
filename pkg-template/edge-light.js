// Vercel Edge (edge-light) entry: Vercel's bundlers turn a `.wasm?module`
// import into a WebAssembly.Module (wrangler wants a plain `.wasm`, hence
// workerd.js), instantiated synchronously here. No init call, no fetch.
import wasm from "./go_go_scope_wasm_bg.wasm?module";
import { readySync } from "./src/wasm";

readySync(wasm);

export * from "./src/index";

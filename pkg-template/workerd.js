// Cloudflare Workers (workerd) entry: the wasm is a static import, which
// wrangler (and any bundler that follows it) turns into a WebAssembly.Module,
// instantiated synchronously here. No init call, no fetch.
import wasm from "./go_go_scope_wasm_bg.wasm";
import { readySync } from "./src/wasm";

readySync(wasm);

export * from "./src/index";

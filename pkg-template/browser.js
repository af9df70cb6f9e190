// Browser entry (ESM): fetches and instantiates the wasm with top-level
// await, so importers need no init call. Bundlers (Vite) pick this file by the
// "browser" export condition and handle the `new URL(…, import.meta.url)`.
import { readyAsync } from "./src/wasm";

await readyAsync(new URL("./go_go_scope_wasm_bg.wasm", import.meta.url));

export * from "./src/index";

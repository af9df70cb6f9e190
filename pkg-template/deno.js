// Deno entry. Deno >= 2.6 gets the wasm from deno-wasm.js, a source-phase
// import: a module load, so no --allow-read. Older Deno cannot parse that
// file and reads the wasm instead, which needs --allow-read.
import { readySync } from "./src/wasm";

let wasm;
try {
  wasm = (await import("./deno-wasm.js")).default;
} catch {
  wasm = await Deno.readFile(new URL("./go_go_scope_wasm_bg.wasm", import.meta.url));
}
readySync(wasm);

export * from "./src/index";

// The smoke program through `import` (Node, Bun, Deno): prints one JSON line
// { runtime, entry, observations }. `entry` is the file the runtime resolved
// "go-go-scope-wasm" to.
import * as lib from "go-go-scope-wasm";
import { smoke } from "./smoke.mjs";

const runtime = globalThis.Deno
  ? `deno ${Deno.version.deno}`
  : globalThis.Bun
    ? `bun ${Bun.version}`
    : `node ${process.version}`;
let entry;
try {
  entry = String(import.meta.resolve("go-go-scope-wasm"));
} catch (e) {
  entry = `unknown (${e.message})`;
}
const observations = await smoke(lib);
console.log(JSON.stringify({ runtime, entry, observations }));

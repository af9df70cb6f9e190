// The smoke program through `require` (Node, Bun): prints one JSON line
// { runtime, entry, observations }.
const lib = require("go-go-scope-wasm");

const runtime = globalThis.Bun ? `bun ${Bun.version}` : `node ${process.version}`;
const entry = require.resolve("go-go-scope-wasm");
import("./smoke.mjs")
  .then(({ smoke }) => smoke(lib))
  .then((observations) => console.log(JSON.stringify({ runtime, entry, observations })));

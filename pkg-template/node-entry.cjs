// Node entry (bundled to CommonJS as index.cjs): instantiates the wasm
// synchronously, so no init call is needed. The test hooks hang under a
// symbol, for the `internal` subpath only.
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const { readySync } = require("./src/wasm");

readySync(readFileSync(join(__dirname, "go_go_scope_wasm_bg.wasm")));

const api = require("./src/index");
const { internal } = require("./src/internal");

module.exports = { ...api };
Object.defineProperty(module.exports, Symbol.for("go-go-scope-wasm.internal"), { value: internal });

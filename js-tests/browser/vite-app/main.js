// A Vite app using the package as an app would: imported by name, resolved
// through the package's "browser" export condition, bundled by `vite build`.
import * as lib from "go-go-scope-wasm";
import { runChecks } from "../checks.js";
import "../style.css";

await runChecks(lib, { title: "go-go-scope-wasm in a Vite build" });

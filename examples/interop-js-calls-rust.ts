// Interop, JavaScript calling Rust: a Rust function built with this crate runs as a task of a JavaScript scope, given the task's signal; the JavaScript scope's end ends the Rust scope.
//
// examples/interop_rust_lib.rs is the Rust side (`crunch(signal, batches)`,
// built for wasm32 and wasm-bindgen'd for Node by `npm run examples`); the
// JavaScript side is the npm package, as any go-go-scope user writes it.
import { scope } from "go-go-scope-wasm";
import rust from "go-go-scope-wasm-interop"; // the wasm-bindgen module of examples/interop_rust_lib.rs

const { crunch, liveScopes } = rust as {
  crunch(signal: AbortSignal, batches: number): Promise<number>;
  liveScopes(): number;
};

console.log("A Rust function as a task, given the task's signal");
{
  await using s = scope()
  const [err, total] = await s.task(({ signal }) => crunch(signal, 6))
  console.log("  total:", err, total)
}

console.log("The JavaScript scope's timeout ends the Rust scope");
{
  const s = scope({ timeout: 50 })
  const [err] = await s.task(({ signal }) => crunch(signal, 100))
  console.log("  task failed:", (err as Error).message, "| the JavaScript scope's own reason:", err === s.signal.reason)
  await s[Symbol.asyncDispose]()
  console.log("  Rust scopes still alive:", liveScopes())
}

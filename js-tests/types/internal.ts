// Type tests (tsc --noEmit): the test hooks are typed on the
// `go-go-scope-wasm/internal` subpath only, not on the public entry.
import * as pub from "go-go-scope-wasm";
import { liveCounts, setProbeDepth, wasmMemoryBytes } from "go-go-scope-wasm/internal";

export function hooks(): number {
  const c = liveCounts();
  const scopes: number = c.scopes;
  const tasks: number = c.tasks;
  setProbeDepth(24);
  return scopes + tasks + wasmMemoryBytes();
}

export function notPublic(): void {
  // @ts-expect-error: no hook on the public entry
  void pub.__liveCounts;
  // @ts-expect-error: no hook on the public entry
  void pub.__wasmMemoryBytes;
  // @ts-expect-error: no hook on the public entry
  void pub.liveCounts;
}

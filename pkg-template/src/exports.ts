// The machine's wasm exports as the executor calls them: numbers in,
// numbers out (booleans as 0/1). src/wasm/*.rs documents each.
export interface Exports {
  memory: WebAssembly.Memory;
  __sp?: WebAssembly.Global;
  __wbindgen_externrefs?: WebAssembly.Table;
  __wbindgen_start?: () => void;
  [name: string]: unknown;
}

export type Machine = Record<string, (...args: (number | boolean)[]) => number> & Exports;

// Gives the machine's exports one- or two-letter names in the shipped wasm
// (issue 13, size): their names are in the wasm's export section and at
// every call in the bundled executor, about 1 KB of each. `memory` and the
// `__` names (wasm-bindgen's, `__sp`) keep theirs. The same map is handed
// to esbuild as its `mangleCache` (scripts/build.mjs), so every bundle's
// `W.add_cleanup(...)` becomes `W.a(...)`; the sources keep the long names.
// The map is also written to build/export-names.json, to read profiles
// (bench/crossings.mjs counts calls by export name) against.
import { readFileSync, writeFileSync } from "node:fs";
import { leb, sections, uleb } from "./wasm-bytes.mjs";

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** The `i`th short name: a … Z, then aa, ab, … */
function shortName(i) {
  let s = "";
  let n = i;
  for (;;) {
    s = LETTERS[n % LETTERS.length] + s;
    n = Math.floor(n / LETTERS.length) - 1;
    if (n < 0) return s;
  }
}

const kept = (name) => name === "memory" || name.startsWith("__");

/**
 * Renames the exports of `file` in place; returns the map { long: short }.
 * Names are given in export-section order, so a build is reproducible.
 */
export function shortenExports(file) {
  const b = readFileSync(file);
  const parts = [b.subarray(0, 8)];
  const map = {};
  for (const { id, start, body: from, end } of sections(b)) {
    if (id !== 7) {
      parts.push(b.subarray(start, end));
      continue;
    }
    let i = from;
    let count;
    [count, i] = leb(b, i);
    const body = [...uleb(count)];
    let next = 0;
    for (let k = 0; k < count; k++) {
      let n;
      [n, i] = leb(b, i);
      const name = Buffer.from(b.subarray(i, i + n)).toString();
      i += n;
      const kind = b[i++];
      let index;
      [index, i] = leb(b, i);
      let out = name;
      if (!kept(name)) {
        out = shortName(next++);
        map[name] = out;
      }
      const bytes = Buffer.from(out);
      body.push(...uleb(bytes.length), ...bytes, kind, ...uleb(index));
    }
    if (i !== end) throw new Error("short-exports: malformed export section");
    parts.push(Buffer.from([7, ...uleb(body.length), ...body]));
  }
  writeFileSync(file, Buffer.concat(parts));
  return map;
}

// Adds an export `__sp` of the wasm stack-pointer global (`__stack_pointer`,
// found by name in the module's name section) to wasm-bindgen's output, so
// the executor can put the stack pointer back after a JS exception (a stack
// overflow) unwound through wasm frames without running their epilogues
// (wasm-bindgen issues 1959/1963). Between two calls into the machine no
// wasm frame is live, so the right value is always the one at start-up.
import { readFileSync, writeFileSync } from "node:fs";
import { leb, sections, uleb } from "./wasm-bytes.mjs";

/** The index of the global named `__stack_pointer`, from the name section. */
function stackPointerIndex(b) {
  for (const { id, body, end } of sections(b)) {
    if (id === 0) {
      let n;
      let j;
      [n, j] = leb(b, body);
      const name = Buffer.from(b.subarray(j, j + n)).toString();
      j += n;
      if (name === "name") {
        while (j < end) {
          const sub = b[j++];
          let sublen;
          [sublen, j] = leb(b, j);
          const subend = j + sublen;
          if (sub === 7) {
            let count;
            [count, j] = leb(b, j);
            for (let k = 0; k < count; k++) {
              let index;
              let nl;
              [index, j] = leb(b, j);
              [nl, j] = leb(b, j);
              const gname = Buffer.from(b.subarray(j, j + nl)).toString();
              j += nl;
              if (gname === "__stack_pointer") return index;
            }
          }
          j = subend;
        }
      }
    }
  }
  throw new Error("export-sp: no global named __stack_pointer in the name section");
}

export function exportStackPointer(file) {
  const b = readFileSync(file);
  const sp = stackPointerIndex(b);
  const parts = [b.subarray(0, 8)];
  let done = false;
  for (const { id, start, body: from, end } of sections(b)) {
    if (id === 7 && !done) {
      const [count, j] = leb(b, from);
      const entry = [...uleb(4), ...Buffer.from("__sp"), 0x03, ...uleb(sp)];
      const body = Buffer.concat([Buffer.from(uleb(count + 1)), b.subarray(j, end), Buffer.from(entry)]);
      parts.push(Buffer.from([7, ...uleb(body.length)]), body);
      done = true;
    } else {
      parts.push(b.subarray(start, end));
    }
  }
  if (!done) throw new Error("export-sp: no export section");
  writeFileSync(file, Buffer.concat(parts));
}

// Adds an export `__sp` of the wasm stack-pointer global (`__stack_pointer`,
// found by name in the module's name section) to wasm-bindgen's output, so
// the executor can put the stack pointer back after a JS exception (a stack
// overflow) unwound through wasm frames without running their epilogues
// (wasm-bindgen issues 1959/1963). Between two calls into the machine no
// wasm frame is live, so the right value is always the one at start-up.
import { readFileSync, writeFileSync } from "node:fs";

function leb(b, at) {
  let r = 0;
  let s = 0;
  let i = at;
  let x;
  do {
    x = b[i++];
    r |= (x & 0x7f) << s;
    s += 7;
  } while (x & 0x80);
  return [r >>> 0, i];
}

function uleb(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** The index of the global named `__stack_pointer`, from the name section. */
function stackPointerIndex(b) {
  let i = 8;
  while (i < b.length) {
    const id = b[i++];
    let len;
    [len, i] = leb(b, i);
    const end = i + len;
    if (id === 0) {
      let n;
      let j;
      [n, j] = leb(b, i);
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
    i = end;
  }
  throw new Error("export-sp: no global named __stack_pointer in the name section");
}

export function exportStackPointer(file) {
  const b = readFileSync(file);
  const sp = stackPointerIndex(b);
  const parts = [b.subarray(0, 8)];
  let i = 8;
  let done = false;
  while (i < b.length) {
    const start = i;
    const id = b[i++];
    let len;
    [len, i] = leb(b, i);
    const end = i + len;
    if (id === 7 && !done) {
      let count;
      let j;
      [count, j] = leb(b, i);
      const entry = [...uleb(4), ...Buffer.from("__sp"), 0x03, ...uleb(sp)];
      const body = Buffer.concat([Buffer.from(uleb(count + 1)), b.subarray(j, end), Buffer.from(entry)]);
      parts.push(Buffer.from([7, ...uleb(body.length)]), body);
      done = true;
    } else {
      parts.push(b.subarray(start, end));
    }
    i = end;
  }
  if (!done) throw new Error("export-sp: no export section");
  writeFileSync(file, Buffer.concat(parts));
}

// LEB128, as the wasm binary format writes its sizes and indices: shared by
// the build's two edits of the module (export-sp.mjs, short-exports.mjs).

/** Reads an unsigned LEB128 at `at`: `[value, index after it]`. */
export function leb(b, at) {
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

/** `n` as unsigned LEB128 bytes. */
export function uleb(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** The module's sections in order: `{ id, start, body, end }` (byte offsets: the section, its contents, its end). */
export function* sections(b) {
  let i = 8;
  while (i < b.length) {
    const start = i;
    const id = b[i++];
    let len;
    [len, i] = leb(b, i);
    yield { id, start, body: i, end: i + len };
    i += len;
  }
}

// Shapes of arguments: what JS can tell about a value without the machine
// (its type), and how an error is named in a joined message. The meaning of
// the numbers is judged by the machine (src/machine/options.rs).

/** `typeof`, with `null` apart (what messages print). */
export function typeName(v: unknown): string {
  return v === null ? "null" : typeof v;
}

export function mustBe(what: string, expected: string, v: unknown): TypeError {
  return new TypeError(`${what} must be ${expected}, got ${typeName(v)}`);
}

/** Reads `obj[name]`; a user getter may throw, and that is the caller's error. */
export function optionalNumber(obj: Record<string, unknown>, name: string, ctx: string): number | undefined {
  const v = obj[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number") throw new TypeError(`${ctx}: ${name} must be a number, got ${typeName(v)}`);
  return v;
}

export function optionalFunction(v: unknown, what: string): ((...a: never[]) => unknown) | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "function") throw mustBe(what, "a function", v);
  return v as (...a: never[]) => unknown;
}

/** An object or a function: what may have properties (and a `then`). */
export function isObjectLike(v: unknown): v is object {
  return v !== null && (typeof v === "object" || typeof v === "function");
}

/** `v.then` if `v` is a thenable (reading it is user code that may throw), else undefined. */
export function thenOf(v: unknown): ((this: unknown, ok?: (v: unknown) => void, err?: (e: unknown) => void) => unknown) | undefined {
  if (!isObjectLike(v)) return undefined;
  const then = (v as { then?: unknown }).then;
  return typeof then === "function" ? (then as never) : undefined;
}

/** An options argument: undefined/null for none, else an object. */
export function optionsObject(v: unknown, ctx: string): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" && typeof v !== "function") throw new TypeError(`${ctx}: options must be an object, got ${typeName(v)}`);
  return v as Record<string, unknown>;
}

/** What a joined disposal message prints for a thrown value: an Error's message, else `String(e)` (a symbol reads `Symbol(desc)`). */
export function messageOf(e: unknown): string {
  try {
    return e instanceof Error ? String(e.message) : String(e);
  } catch {
    // A throwing `message` getter or `toString`: the value's tag, or (a
    // Proxy that throws on every trap) its type, which nothing can intercept.
    try {
      return Object.prototype.toString.call(e);
    } catch {
      return `[${typeof e}]`;
    }
  }
}

/**
 * The index of `v` in `allowed` (an option that names one of a few
 * strings): a TypeError for another type, a RangeError for another string,
 * each listing the accepted values.
 */
export function oneOf(what: string, allowed: readonly string[], v: unknown): number {
  const i = typeof v === "string" ? allowed.indexOf(v) : -1;
  if (i < 0) {
    const msg = `${what} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got `;
    if (typeof v !== "string") throw new TypeError(msg + typeName(v));
    throw new RangeError(msg + JSON.stringify(v));
  }
  return i;
}

// Runs a bundled Worker in workerd through miniflare and prints its answer
// to GET / (one JSON line); four more requests (one, then three at once) must
// observe the same. Called by run.mjs with a Node that miniflare
// supports (it needs Node >= 22):
//
//   node workerd.mjs <bundle dir>
//
// <bundle dir>/modules.json lists the modules as wrangler would upload them:
// the bundle as "ESModule" and each `.wasm` import as "CompiledWasm" (a
// WebAssembly.Module for the importer). No nodejs_compat flag: the Worker has
// no Node APIs. MINIFLARE_WORKERD_PATH and GGS_RUNTIMES_DIR come from run.mjs.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const dir = process.argv[2];
const require = createRequire(join(process.env.GGS_RUNTIMES_DIR, "package.json"));
const { Miniflare } = await import(pathToFileURL(require.resolve("miniflare")).href);

const modules = JSON.parse(readFileSync(join(dir, "modules.json"), "utf8")).map((m) => ({
  type: m.type,
  path: join(dir, m.name),
  contents: readFileSync(join(dir, m.name)),
}));
const mf = new Miniflare({
  modules,
  modulesRoot: dir,
  compatibilityDate: "2025-06-01",
  host: "127.0.0.1",
});
/** One GET /: its observations, or an error naming the request. */
async function get(n) {
  const res = await mf.dispatchFetch("http://localhost/");
  const text = await res.text();
  if (res.status !== 200) throw new Error(`request ${n}: the Worker answered ${res.status}: ${text}`);
  return text;
}
try {
  const first = await get(1);
  // More requests, then three at once: the library's module state (its
  // shared settled promises, its tables) serves every request the same.
  const observations = (t) => JSON.stringify(JSON.parse(t).observations);
  const later = [await get(2), ...(await Promise.all([get(3), get(4), get(5)]))];
  for (const [i, t] of later.entries()) {
    if (observations(t) !== observations(first)) throw new Error(`request ${i + 2} observed something else than request 1:\n${t}\n${first}`);
  }
  console.log(first);
} finally {
  await mf.dispose();
}

// Runs a bundled Worker in workerd through miniflare and prints its answer
// to GET / (one JSON line). Called by run.mjs with a Node that miniflare
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
try {
  const res = await mf.dispatchFetch("http://localhost/");
  const text = await res.text();
  if (res.status !== 200) throw new Error(`the Worker answered ${res.status}: ${text}`);
  console.log(text);
} finally {
  await mf.dispose();
}

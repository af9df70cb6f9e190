// Packs pkg/ with `npm pack` and unpacks the tarball into
// js-tests/node_modules/go-go-scope-wasm, so the tests import exactly what a
// user installs. Returns the tarball's path.
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { capture, must, root } from "./lib.mjs";

export function pack() {
  const dest = join(root, "build", "tarball");
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  const r = capture("npm", ["pack", "./pkg", "--pack-destination", dest, "--silent"]);
  if (r.status !== 0) throw new Error(`npm pack failed:\n${r.out}`);
  const tgz = readdirSync(dest).find((f) => f.endsWith(".tgz"));
  if (!tgz) throw new Error("npm pack made no tarball");
  const tarball = join(dest, tgz);
  const target = join(root, "js-tests", "node_modules", "go-go-scope-wasm");
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  must("tar", ["xzf", tarball, "-C", target, "--strip-components=1"]);
  return tarball;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(pack());

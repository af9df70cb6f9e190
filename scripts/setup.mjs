// Installs what the build and tests need, skipping what is already there:
// the wasm32 target, wasm-bindgen-cli at the version in Cargo.lock, wasm-pack,
// the npm dev dependencies, and with { browser: true } (the test command)
// Debian's chromium and chromium-driver. Safe to run again (takes seconds then).
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { capture, must, pinnedWasmBindgen, root, run, toolEnv } from "./lib.mjs";

function cargoInstall(name, version) {
  const spec = version ? ["--version", version] : [];
  // --locked first, as the tool's authors tested it; a registry mirror can
  // lack one locked transitive version, so fall back to a fresh resolve.
  if (run("cargo", ["install", "--locked", name, ...spec]) === 0) return;
  must("cargo", ["install", name, ...spec]);
}

export function setup({ browser = false } = {}) {
  if (!capture("rustup", ["target", "list", "--installed"]).out.includes("wasm32-unknown-unknown")) {
    must("rustup", ["target", "add", "wasm32-unknown-unknown"]);
  }
  if (!existsSync(join(root, "Cargo.lock"))) must("cargo", ["generate-lockfile"]);
  const want = pinnedWasmBindgen();
  const have = capture("wasm-bindgen", ["--version"]).out.trim();
  if (have !== `wasm-bindgen ${want}`) cargoInstall("wasm-bindgen-cli", want);
  if (capture("wasm-pack", ["--version"]).status !== 0) cargoInstall("wasm-pack");

  const installed = join(root, "node_modules", ".package-lock.json");
  const lock = join(root, "package-lock.json");
  const stale = !existsSync(installed) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(installed).mtimeMs);
  if (stale) must("npm", existsSync(lock) ? ["ci", "--no-audit", "--no-fund"] : ["install", "--no-audit", "--no-fund"]);

  // Debian's Chromium and its WebDriver, for wasm-pack --chrome and the
  // browser tests (playwright-core drives /usr/bin/chromium; it downloads no
  // browser of its own).
  if (browser && (capture("chromium", ["--version"]).status !== 0 || capture("chromedriver", ["--version"]).status !== 0)) {
    const env = toolEnv({ DEBIAN_FRONTEND: "noninteractive" });
    must("apt-get", ["update"], { env });
    must("apt-get", ["install", "-y", "--no-install-recommends", "chromium", "chromium-driver"], { env });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) setup({ browser: process.argv.includes("--browser") });

// Helpers shared by the project scripts (Node built-ins only: these run
// before `npm install` on a fresh machine).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** PATH with cargo's bin and the npm binaryen first (wasm-opt 132). */
export function toolEnv(extra = {}) {
  const home = process.env.CARGO_HOME || join(process.env.HOME || "/root", ".cargo");
  const path = [join(root, "node_modules", ".bin"), join(home, "bin"), process.env.PATH].join(":");
  return { ...process.env, PATH: path, ...extra };
}

/** Runs a command, streaming its output; returns its exit status. */
export function run(cmd, args, opts = {}) {
  console.log(`$ ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: root, env: toolEnv(), ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

/** Runs a command and throws if it fails. */
export function must(cmd, args, opts = {}) {
  const status = run(cmd, args, opts);
  if (status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed with status ${status}`);
}

/** Runs a command quietly and returns { status, out } (stdout + stderr). */
export function capture(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, env: toolEnv(), encoding: "utf8", ...opts });
  return { status: r.error ? 127 : (r.status ?? 1), out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/**
 * `capture`, without blocking the event loop while the command runs (for
 * long commands inside a test worker: vitest's worker answers its runner
 * over RPC with a fixed 60 s timeout, and a worker blocked longer than that
 * fails the run with "Timeout calling onTaskUpdate" though every test passed).
 */
export function captureAsync(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    let out = "";
    const child = spawn(cmd, args, { cwd: root, env: toolEnv(), ...opts });
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", () => resolve({ status: 127, out }));
    child.on("close", (status) => resolve({ status: status ?? 1, out }));
  });
}

/** The wasm-bindgen version pinned in Cargo.lock (or Cargo.toml). */
export function pinnedWasmBindgen() {
  const lock = join(root, "Cargo.lock");
  if (existsSync(lock)) {
    const m = readFileSync(lock, "utf8").match(/name = "wasm-bindgen"\nversion = "([^"]+)"/);
    if (m) return m[1];
  }
  const m = readFileSync(join(root, "Cargo.toml"), "utf8").match(/wasm-bindgen = "=([^"]+)"/);
  if (!m) throw new Error("wasm-bindgen is not pinned in Cargo.toml");
  return m[1];
}

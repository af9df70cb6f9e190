// A small static server on 127.0.0.1 for the browser tests: files from
// `dir`, the packed package under /node_modules/, js-tests/runtimes/ under
// /runtimes/, and slow streaming
// endpoints that the pages read through fetch().body.
import { createServer } from "node:http";
import { createReadStream, existsSync, statSync } from "node:fs";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

// The runtime matrix's smoke program, which checks.js imports as ../runtimes/.
const runtimes = join(dirname(fileURLToPath(import.meta.url)), "..", "runtimes");

const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
};

/** Starts the server; resolves to { url, close, stats }. */
export async function serve(dir, nodeModules) {
  const stats = { closedEarly: [], requests: [] };
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    stats.requests.push(url.pathname);
    if (url.pathname === "/stream" || url.pathname === "/endless") {
      // n chunks `chunk-i\n`, one every `ms`; /endless stops only when the
      // client goes (bounded to 400 chunks so it ends by itself).
      const endless = url.pathname === "/endless";
      const n = endless ? 400 : Number(url.searchParams.get("n") ?? 5);
      const ms = Number(url.searchParams.get("ms") ?? 30);
      res.writeHead(200, { "content-type": "text/plain", "cache-control": "no-store" });
      let i = 0;
      const timer = setInterval(() => {
        if (i >= n) {
          clearInterval(timer);
          res.end();
          return;
        }
        res.write(`chunk-${++i}\n`);
      }, ms);
      res.on("close", () => {
        clearInterval(timer);
        if (i < n) stats.closedEarly.push(url.searchParams.get("id") ?? url.pathname);
      });
      return;
    }
    if (url.pathname === "/stats") {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(stats));
      return;
    }
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, "");
    const file = rel.startsWith("/node_modules/")
      ? join(nodeModules, rel.slice("/node_modules/".length))
      : rel.startsWith("/runtimes/")
        ? join(runtimes, rel.slice("/runtimes/".length))
        : join(dir, rel === "/" ? "index.html" : rel);
    if (!existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end(`not found: ${url.pathname}`);
      return;
    }
    res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}

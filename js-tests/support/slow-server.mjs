// The test server of the Rust face's wasm tests (src/driver/web_tests.rs):
// `/slow` answers only after 10 s, so a test can abort a real `fetch` in
// flight; `/stats` says how many `/slow` requests went away before their
// answer (the client aborted: the JavaScript side really stopped). CORS is
// open: the browser tests run on another port. Prints `{"port":N}` once
// listening; `npm test` starts it and stops it (scripts/test.mjs).
import { createServer } from "node:http";

const stats = { started: 0, aborted: 0 };
const server = createServer((req, res) => {
  res.setHeader("Access-Control-Allow-Origin", "*");
  res.setHeader("Cache-Control", "no-store");
  if (req.url === "/stats") {
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify(stats));
    return;
  }
  if (req.url === "/slow") {
    stats.started++;
    const timer = setTimeout(() => res.end("slow answer"), 10_000);
    res.on("close", () => {
      clearTimeout(timer);
      if (!res.writableEnded) stats.aborted++;
    });
    return;
  }
  res.statusCode = 404;
  res.end();
});

const wanted = Number(process.argv[2] ?? 0);
server.on("error", (e) => {
  if (e.code === "EADDRINUSE" && wanted !== 0) server.listen(0, "127.0.0.1");
  else throw e;
});
server.listen(wanted, "127.0.0.1", () => {
  console.log(JSON.stringify({ port: server.address().port }));
});

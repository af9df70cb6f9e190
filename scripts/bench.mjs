// `npm run bench`: builds pkg/ (installing what is missing), then runs the
// benchmark suite bench/run.mjs in one Node process with --expose-gc.
// Extra arguments go to the suite: `npm run bench -- --smoke`.
import { must } from "./lib.mjs";
import { setup } from "./setup.mjs";
import { build } from "./build.mjs";

setup();
await build();
must("node", ["--expose-gc", "bench/run.mjs", ...process.argv.slice(2)]);

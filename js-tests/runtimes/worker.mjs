// The smoke program as a module Worker (workerd, edge bundles): GET / runs it
// and answers { runtime, observations } as JSON. Bundled by run.mjs.
import * as lib from "go-go-scope-wasm";
import { smoke } from "./smoke.mjs";

export default {
  async fetch() {
    const observations = await smoke(lib);
    return Response.json({ runtime: navigator.userAgent, observations });
  },
};

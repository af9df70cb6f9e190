// Beyond 1.0: select over channel receives and sends, with default and timeout
import { scope, select } from "go-go-scope-wasm";

{
  await using s = scope();
  const jobs = s.channel<string>(4);
  const urgent = s.channel<string>(4);
  await jobs.send("resize image");
  await urgent.send("page on-call");
  const [, first] = await s.select([
    { receive: urgent, then: (v) => `urgent: ${v}` },
    { receive: jobs, then: (v) => `job: ${v}` },
  ]);
  console.log("both ready, the first case wins:", first, "| jobs still buffered:", jobs.size);
}

{
  await using s = scope();
  const results = s.channel<number>(0);
  const quit = s.channel<string>(0);
  const waiting = s.select([
    { send: results, value: 42, then: (sent) => `result sent: ${sent}` },
    { receive: quit, then: (why) => `quit: ${why}` },
  ]);
  await quit.send("shutdown");
  const [, outcome] = await waiting;
  console.log("one case fires:", outcome);
  const [, nothing] = await s.select([{ receive: results, then: (v) => `got ${v}` }], { default: () => "nothing" });
  console.log("the losing send delivered:", nothing);
}

{
  await using s = scope();
  const ch = s.channel<number>(0);
  const [err] = await s.select([{ receive: ch }], { timeout: 20 });
  console.log("waiting too long:", (err as Error).message);
  ch.close();
  const [, got] = await s.select([{ receive: ch, then: (v) => `received ${v}` }]);
  const [, sent] = await select([{ send: ch, value: 1 }]);
  console.log("closed channel:", got, "| send gives", sent);
}

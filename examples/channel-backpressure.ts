// Channel backpressure (go-go-scope 2.x's strategies): what a send into a full buffer does when nobody is receiving
//
// "block" (1.0's channel, the default) waits for room; the other three never
// wait: "drop-oldest" evicts the oldest buffered value, "drop-latest" drops
// the new one (both hand the dropped value to onDrop and resolve true), and
// "error" rejects with ChannelFullError. Both of 2.x's spellings work:
// s.channel(capacity, { backpressure }) and s.channel({ capacity, backpressure }).
import { ChannelFullError, scope } from "go-go-scope-wasm";

console.log("drop-oldest: a dashboard keeps the latest 3 readings");
{
  await using s = scope();
  const dropped: number[] = [];
  const readings = s.channel<number>(3, { backpressure: "drop-oldest", onDrop: (old) => dropped.push(old) });
  for (let i = 1; i <= 10; i++) await readings.send(i); // never waits
  readings.close();
  const kept: number[] = [];
  for await (const r of readings) kept.push(r);
  console.log(`  kept ${kept.join(", ")}; dropped ${dropped.length}, the oldest first: ${dropped.join(", ")}`);
}

console.log("drop-latest: updates that come while the buffer is full are dropped");
{
  await using s = scope();
  const dropped: string[] = [];
  const updates = s.channel<string>({ capacity: 2, backpressure: "drop-latest", onDrop: (u) => dropped.push(u) });
  for (const u of ["a", "b", "c", "d"]) await updates.send(u);
  console.log(`  buffered ${updates.size}, dropped ${dropped.join(", ")}`);
  console.log(`  received ${await updates.receive()}, ${await updates.receive()}`);
}

console.log("error: load shedding with ChannelFullError");
{
  await using s = scope();
  const jobs = s.channel<number>(2, { backpressure: "error" });
  const outcomes: string[] = [];
  for (let job = 1; job <= 4; job++) {
    try {
      await jobs.send(job);
      outcomes.push(`${job} accepted`);
    } catch (e) {
      if (!(e instanceof ChannelFullError)) throw e;
      outcomes.push(`${job} refused (503)`);
    }
  }
  console.log(`  ${outcomes.join("; ")}`);
}

console.log("a waiting receiver always takes the value directly");
{
  await using s = scope();
  const ch = s.channel<string>(0, { backpressure: "error" });
  const waiting = ch.receive();
  const sent = await ch.send("hello");
  console.log(`  sent: ${sent}, received: ${await waiting}`);
  const refused = await ch.send("nobody").then(
    () => false,
    (e) => e instanceof ChannelFullError,
  );
  console.log(`  a rendezvous with nobody receiving: refused ${refused}`);
}

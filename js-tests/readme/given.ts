// What the README's TypeScript snippets of "Beyond 1.0" take as given: the
// package's exports, and the names they call (declared, never defined).
import { scope, onAbort, whenAborted, exponentialBackoff, decorrelatedJitter, ChannelFullError, TokenBucket, Channel } from "go-go-scope-wasm";
declare function fetchData(): Promise<string>;
declare const metrics: { flush(): void };
declare const someSignal: AbortSignal;
declare const user: unknown, impersonated: unknown;
declare const urls: string[];
declare const bar: { update(x: number): void };
declare function fetchUser(): Promise<unknown>;
declare function fetchUser(id: number): Promise<unknown>;
declare function fetchOrders(): Promise<unknown>;
declare function query(): Promise<unknown>;
type Job = { id: number };
declare const job: Job;
declare function reply(code: number): void;
declare const primary: string, replica: string;
declare function fromCache(): Promise<string>;
declare function fromDb(): Promise<string>;
declare const ids: number[];
declare function fetchResults(q: string): Promise<string[]>;
declare const input: { value: string };
declare function send(pos: number): void;
declare const jobs: Channel<number>, results: Channel<number>, updates: Channel<string>;

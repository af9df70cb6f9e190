// Type tests for the additions from go-go-scope 2.x (lifecycle, context, progress).
import { onAbort, parallel, scope, whenAborted } from "go-go-scope-wasm";

export async function lifecycle() {
  await using s = scope({ context: { requestId: "abc" } });
  s.onDispose(() => {});
  s.onDispose(async () => {});
  // @ts-expect-error: onDispose takes a function
  s.onDispose(5);
  const d: Promise<void> = s.delay(10);
  await d;
  // @ts-expect-error: delay takes a number
  void s.delay("10");
  const sub: Disposable = onAbort(s.signal, (reason: unknown) => void reason);
  sub[Symbol.dispose]();
  const why: unknown = await whenAborted(AbortSignal.abort("x"));
  void why;
}

export async function context() {
  await using s = scope();
  const same: typeof s = s.setContext("user", { id: 1 });
  const user = s.getContext<{ id: number }>("user");
  const id: number | undefined = user?.id;
  const has: boolean = s.hasContext("user");
  const removed: boolean = s.removeContext("user");
  // @ts-expect-error: keys are strings
  s.setContext(1, "x");
  void same;
  void id;
  void has;
  void removed;
}

export async function progress() {
  await parallel([async () => 1], {
    onProgress: (completed: number, total: number, [err, value]) => void [completed, total, err, value],
  });
  await using s = scope();
  await s.parallel([() => "a"], { failFast: false, onProgress: (done) => void done });
  // @ts-expect-error: onProgress is a function
  await s.parallel([() => "a"], { onProgress: 1 });
}

// OpenTelemetry spans and debug lines: hooks the executor calls at a
// scope's and a task's life-cycle points, only when the scope has a tracer
// or a debug namespace is enabled.
import type { Scope } from "./scope";
import type { Task } from "./task";

export function debugOn(): boolean {
  return false;
}

export function scopeOpened(_s: Scope, _parent: Scope | undefined, _k: number, _flags: number, _timeout: number): void {}

export function scopeClosed(_s: Scope, _outcome: number, _errors: unknown[] | undefined): void {}

export function taskOpened(_s: Scope, _t: Task, _k: number, _otel: unknown, _flags: number, _timeout: number, _maxRetries: number): void {}

export function taskSettled(_t: Task, _ok: boolean): void {}

/**
 * Assertions for the tests. `jsr:@std/assert` is not reachable from our machines, and Node's
 * `node:assert` covers what we need with readable failure messages.
 */
import assertModule from "node:assert/strict";

/** Fails unless `value` is truthy. */
export function assert(value: unknown, message?: string): asserts value {
  assertModule.ok(value, message);
}

/** Fails unless `actual` deep-equals `expected`. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  assertModule.deepStrictEqual(actual, expected, message);
}

/** Fails unless `text` contains `part`. */
export function assertStringIncludes(text: string, part: string, message?: string): void {
  assertModule.ok(
    text.includes(part),
    message ?? `expected to find ${JSON.stringify(part)} in:\n${text}`,
  );
}

/** Fails unless `text` matches `pattern`. */
export function assertMatch(text: string, pattern: RegExp, message?: string): void {
  assertModule.match(text, pattern, message);
}

/** Fails unless `fn` throws (or rejects with) an error whose message matches `pattern`. */
export async function assertRejects(
  fn: () => unknown,
  pattern?: RegExp,
): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    if (!(error instanceof Error)) throw new Error(`expected an Error, got ${String(error)}`);
    if (pattern) assertMatch(error.message, pattern);
    return error;
  }
  throw new Error("expected a rejection, but it resolved");
}

/** Fails unless `fn` throws an instance of `kind`; returns it. */
export function assertThrows<E extends Error>(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  kind: new (...args: any[]) => E,
): E {
  try {
    fn();
  } catch (error) {
    if (error instanceof kind) return error;
    throw new Error(`expected a ${kind.name}, got ${String(error)}`);
  }
  throw new Error(`expected a ${kind.name}, but nothing was thrown`);
}

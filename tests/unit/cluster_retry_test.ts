/** The retry decision and backoff schedule, with the random source and clock pinned. */
import { assert, assertEquals } from "../assert.ts";
import {
  backoffDelay,
  DEFAULT_RETRY,
  isRetryableFailure,
  isRetryableStatus,
  retryAfterDelay,
  retryBudgetMs,
  retryDelay,
} from "../../src/cluster/retry.ts";

Deno.test("retry: 429 and gateway errors retry; other statuses do not", () => {
  for (const status of [429, 502, 503, 504]) assert(isRetryableStatus(status), String(status));
  for (const status of [200, 201, 400, 401, 403, 404, 405, 409, 413, 500, 501]) {
    assert(!isRetryableStatus(status), String(status));
  }
});

Deno.test("retry: dropped connections retry; TLS and credentials never; timeouts only reads", () => {
  assert(isRetryableFailure("unreachable", "GET"));
  assert(isRetryableFailure("unreachable", "PUT"));
  assert(isRetryableFailure("timeout", "GET"));
  assert(isRetryableFailure("timeout", "HEAD"));
  assert(!isRetryableFailure("timeout", "PUT"));
  assert(!isRetryableFailure("timeout", "POST"));
  for (const method of ["GET", "PUT"]) {
    assert(!isRetryableFailure("tls", method));
    assert(!isRetryableFailure("auth", method));
    assert(!isRetryableFailure("http", method));
  }
});

Deno.test("retry: full jitter under a ceiling that doubles per attempt up to the cap", () => {
  const policy = { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 1000 };
  const highest = [1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, policy, () => 0.9999));
  assertEquals(highest, [99, 199, 399, 799, 999, 999]);
  assertEquals(backoffDelay(3, policy, () => 0), 0);
  assertEquals(backoffDelay(2, policy, () => 0.5), 100);
  // Whatever the random source says, a wait stays within [0, ceiling).
  let seed = 7;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let attempt = 1; attempt <= 10; attempt++) {
    for (let i = 0; i < 50; i++) {
      const wait = backoffDelay(attempt, policy, random);
      assert(wait >= 0 && wait < Math.min(1000, 100 * 2 ** (attempt - 1)), `${attempt}: ${wait}`);
    }
  }
});

Deno.test("retry: the default policy is short enough for an interactive command", () => {
  assert(DEFAULT_RETRY.maxAttempts >= 2);
  const worst = [1, 2, 3].reduce((sum, n) => sum + backoffDelay(n, DEFAULT_RETRY, () => 0.9999), 0);
  assert(worst < 2000, String(worst));
});

Deno.test("retry: Retry-After in seconds or as an HTTP date, capped, else the backoff", () => {
  const policy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 5000 };
  const now = Date.parse("2026-01-01T00:00:00Z");
  assertEquals(retryAfterDelay("2", policy, now), 2000);
  assertEquals(retryAfterDelay("0", policy, now), 0);
  assertEquals(retryAfterDelay("120", policy, now), 5000);
  assertEquals(retryAfterDelay("Thu, 01 Jan 2026 00:00:03 GMT", policy, now), 3000);
  assertEquals(retryAfterDelay("Wed, 31 Dec 2025 23:59:00 GMT", policy, now), 0);
  assertEquals(retryAfterDelay(null, policy, now), undefined);
  assertEquals(retryAfterDelay("", policy, now), undefined);
  assertEquals(retryAfterDelay("soon", policy, now), undefined);
  assertEquals(retryDelay(1, policy, "1", () => 0.5, now), 1000);
  assertEquals(retryDelay(2, policy, null, () => 0.5, now), 100);
  assertEquals(retryDelay(2, policy, "soon", () => 0.5, now), 100);
});

Deno.test("retry: the longest a silent host can take is every attempt's timeout and every wait", () => {
  assertEquals(retryBudgetMs(30_000, DEFAULT_RETRY), 4 * 30_000 + 250 + 500 + 1000);
  assertEquals(retryBudgetMs(1000, { maxAttempts: 1, baseDelayMs: 250, maxDelayMs: 8000 }), 1000);
});

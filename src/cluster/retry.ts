/**
 * When to try a request again and how long to wait first. Pure: the random source and the clock
 * are passed in, so the schedule is unit tested exactly.
 */
import type { ClusterErrorKind } from "./errors.ts";

/** Bounds of the retry loop. */
export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  /** Ceiling of the first backoff, doubled per attempt. */
  baseDelayMs: number;
  /** No single wait is longer than this. */
  maxDelayMs: number;
}

/** Four attempts, waits of up to 0.25 s, 0.5 s, 1 s: short enough for an interactive command. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 8000 };

/**
 * Statuses that mean "not now" rather than "no": too many requests, and a gateway or node that
 * is briefly unavailable. 500 is left out: clusters use it for real errors too.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

/**
 * Whether a request that got no answer is worth sending again. A refused or dropped connection
 * is (a node restarting, a load balancer shuffling); TLS and credential problems are not, they
 * will fail the same way. A timeout is retried only for reads: a write that timed out may still
 * be running on the cluster, and sending it again could do it twice.
 */
export function isRetryableFailure(kind: ClusterErrorKind, method: string): boolean {
  if (kind === "unreachable") return true;
  if (kind === "timeout") return method === "GET" || method === "HEAD";
  return false;
}

/**
 * Wait before attempt `attempt + 1` (attempt counts from 1): "full jitter", a random delay up to
 * an exponentially growing ceiling, so many clients backing off together do not retry in step.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  return Math.floor(random() * backoffCeiling(attempt, policy));
}

/** The longest wait before attempt `attempt + 1`: the base doubled per attempt, capped. */
function backoffCeiling(attempt: number, policy: RetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
}

/**
 * Milliseconds a `Retry-After` header asks for (seconds, or an HTTP date), capped by the policy;
 * `undefined` when absent or unreadable.
 */
export function retryAfterDelay(
  header: string | null,
  policy: RetryPolicy,
  now: number,
): number | undefined {
  if (!header?.trim()) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(policy.maxDelayMs, Math.max(0, ms));
}

/**
 * Wait before attempt `attempt + 1`: what the cluster asked for in `Retry-After` when it said,
 * otherwise the jittered backoff.
 */
export function retryDelay(
  attempt: number,
  policy: RetryPolicy,
  retryAfter: string | null,
  random: () => number,
  now: number,
): number {
  return retryAfterDelay(retryAfter, policy, now) ?? backoffDelay(attempt, policy, random);
}

/**
 * The longest a request that never gets an answer may take: every attempt waits `timeoutMs`,
 * and every wait between attempts is at its ceiling. What `--timeout`'s help and the warnings
 * about a silent host state.
 */
export function retryBudgetMs(timeoutMs: number, policy: RetryPolicy = DEFAULT_RETRY): number {
  let waits = 0;
  for (let attempt = 1; attempt < policy.maxAttempts; attempt++) {
    waits += backoffCeiling(attempt, policy);
  }
  return timeoutMs * policy.maxAttempts + waits;
}

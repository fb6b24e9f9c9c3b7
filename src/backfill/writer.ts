/**
 * Writes documents to the target with `_bulk`: batches sized in bytes, several requests in
 * flight, only the failed items of an answer sent again, and the pace adapted to the target's
 * push-back. A document still refused after the retries, or refused for good, goes to the
 * dead-letter file; nothing is dropped silently.
 */
import type { ClusterClient } from "../cluster/client.ts";
import { ClusterError } from "../cluster/errors.ts";
import { backoffDelay } from "../cluster/retry.ts";
import { logger } from "../log.ts";
import {
  type BulkItem,
  classifyBulkResponse,
  type ItemFailure,
  toBatches,
  toBulkItem,
} from "./bulk.ts";
import type { DeadLetterFile } from "./deadletter.ts";
import { AdaptiveLimit, type RateLimit } from "./limiter.ts";
import type { SourceDocument } from "./reader.ts";

const log = logger("backfill");

/** How the writer behaves. */
export interface BulkWriterOptions {
  /** Bulk requests in flight at most (`--concurrency`). */
  concurrency: number;
  /** Bytes per bulk request at most (`--batch-bytes`). */
  batchBytes: number;
  /** Attempts per document before it goes to the dead-letter file. */
  maxAttempts: number;
  deadLetters: DeadLetterFile;
  /** `--max-docs-per-second`, when set. */
  rate?: RateLimit;
}

/** Counters of one writer, for progress and the summary. */
export interface WriterStats {
  written: number;
  deadLettered: number;
  /** Items the target pushed back on (429, rejected execution) and that were sent again. */
  retried: number;
  /** Whole requests answered 429 or 5xx, or not answered. */
  requestFailures: number;
  bytesSent: number;
}

const BACKOFF = { maxAttempts: 0, baseDelayMs: 200, maxDelayMs: 20_000 };

/** The bulk writer; one per run, shared by every slice so the in-flight limit is global. */
export class BulkWriter {
  readonly limit: AdaptiveLimit;
  readonly stats: WriterStats = {
    written: 0,
    deadLettered: 0,
    retried: 0,
    requestFailures: 0,
    bytesSent: 0,
  };

  constructor(readonly client: ClusterClient, readonly options: BulkWriterOptions) {
    this.limit = new AdaptiveLimit(options.concurrency);
  }

  /**
   * Writes `documents` to `index`; resolves once each is acknowledged by the target or recorded
   * in the dead-letter file. Throws only when the target cannot be reached or refuses us
   * (credentials, a missing index...) — then nothing after the last checkpoint is assumed written.
   */
  async write(index: string, documents: SourceDocument[]): Promise<void> {
    const items = documents.map((document) => toBulkItem(index, document));
    await Promise.all(
      toBatches(items, this.options.batchBytes).map((batch) => this.#send(batch)),
    );
  }

  /** Sends one batch until every item is written or dead-lettered. */
  async #send(batch: BulkItem[]): Promise<void> {
    let pending = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) await sleep(backoffDelay(attempt - 1, BACKOFF, Math.random));
      await this.options.rate?.take(pending.length);
      await this.limit.acquire();
      let failures: ItemFailure[];
      try {
        failures = await this.#sendOnce(pending);
      } finally {
        this.limit.release();
      }
      if (failures.length > 0 && attempt >= this.options.maxAttempts) {
        const unanswered = failures.find((failure) => failure.error);
        // The target itself is gone: stop the run (it resumes from its checkpoints) rather
        // than dead-letter documents that were never looked at.
        if (unanswered?.error) throw unanswered.error;
        await this.#deadLetter(failures);
        return;
      }
      pending = failures.map((failure) => failure.item);
      this.stats.retried += pending.length;
    }
  }

  /**
   * One request. Returns the items to send again; items refused for good are dead-lettered
   * here. A whole-request push-back returns every item.
   */
  async #sendOnce(items: BulkItem[]): Promise<ItemFailure[]> {
    const body = items.map((item) => item.lines).join("");
    let response;
    try {
      response = await this.client.request("POST", "/_bulk", {
        body,
        // Pacing and retries are ours: the limit must hear about every push-back.
        retry: { maxAttempts: 1 },
        // Writing the same ids again is harmless, so a timed-out bulk may be resent.
        idempotent: true,
        timeoutMs: 120_000,
      });
    } catch (error) {
      if (
        error instanceof ClusterError && (error.kind === "unreachable" || error.kind === "timeout")
      ) {
        this.stats.requestFailures++;
        this.limit.pushedBack();
        log.warn`bulk request to ${this.client.url} failed (${error.message}); sending again`;
        return items.map((item) => ({ item, status: 0, reason: error.message, error }));
      }
      throw error;
    }
    this.stats.bytesSent += body.length;
    if (response.status === 429 || response.status >= 500) {
      this.stats.requestFailures++;
      this.limit.pushedBack();
      const reason = `the target answered ${response.status} to the whole bulk request`;
      log.debug`${reason}; backing off (limit now ${this.limit.limit})`;
      return items.map((item) => ({ item, status: response.status, reason }));
    }
    if (response.status < 200 || response.status >= 300) {
      throw this.client.httpError("POST", "/_bulk", response);
    }
    const outcome = classifyBulkResponse(items, response.body);
    this.stats.written += outcome.written.length;
    await this.#deadLetter(outcome.refused);
    if (outcome.retry.length > 0) this.limit.pushedBack();
    else this.limit.succeeded();
    return outcome.retry;
  }

  async #deadLetter(failures: ItemFailure[]): Promise<void> {
    if (failures.length === 0) return;
    for (const failure of failures.slice(0, 3)) {
      log
        .warn`${failure.item.index}/${failure.item.document.id} refused by the target (${failure.status}): ${failure.reason}`;
    }
    await this.options.deadLetters.write(failures);
    this.stats.deadLettered += failures.length;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

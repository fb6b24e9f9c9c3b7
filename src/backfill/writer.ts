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
  failureKey,
  type ItemFailure,
  shortReason,
  toBatches,
  toBulkItem,
} from "./bulk.ts";
import type { DeadLetterFile } from "./deadletter.ts";
import { pause } from "../abort.ts";
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
  /**
   * The run's stop: waits (pacing, back-off, a place in flight) end at once and the write
   * rejects with the signal's reason. A request already sent is let finish.
   */
  signal?: AbortSignal;
}

/** Counters of one writer, for progress and the summary. */
export interface WriterStats {
  written: number;
  deadLettered: number;
  /** Dead-lettered documents per status and error type, e.g. `400 mapper_parsing_exception`. */
  deadLetterReasons: Record<string, number>;
  /** Items the target pushed back on (429, rejected execution) and that were sent again. */
  retried: number;
  /** Whole requests answered 429 or 5xx, or not answered. */
  requestFailures: number;
  bytesSent: number;
  /** Documents handed to {@link BulkWriter.write} that wait for their first request. */
  queued: number;
  /** Documents sent at least once and neither acknowledged nor dead-lettered yet. */
  inFlight: number;
}

/** What became of the documents of one {@link BulkWriter.write}. */
export interface WriteOutcome {
  /** Acknowledged by the target. */
  written: number;
  /** Refused, and recorded in the dead-letter file. */
  deadLettered: number;
}

const BACKOFF = { maxAttempts: 0, baseDelayMs: 200, maxDelayMs: 20_000 };

/** Refused documents logged one by one in a run; the rest are counted per reason only. */
const LOGGED_REFUSALS = 3;

/** The bulk writer; one per run, shared by every slice so the in-flight limit is global. */
export class BulkWriter {
  readonly limit: AdaptiveLimit;
  readonly stats: WriterStats = {
    written: 0,
    deadLettered: 0,
    deadLetterReasons: {},
    retried: 0,
    requestFailures: 0,
    bytesSent: 0,
    queued: 0,
    inFlight: 0,
  };
  #logged = 0;

  constructor(readonly client: ClusterClient, readonly options: BulkWriterOptions) {
    this.limit = new AdaptiveLimit(options.concurrency);
  }

  /**
   * Writes `documents` to `index`; resolves once each is acknowledged by the target or recorded
   * in the dead-letter file, with how many went which way. Throws when the target cannot be
   * reached or refuses us (credentials, a missing index...), or when the run is stopped: then
   * nothing after the last checkpoint is assumed written. Every batch has settled by then.
   */
  async write(index: string, documents: SourceDocument[]): Promise<WriteOutcome> {
    const items = documents.map((document) => toBulkItem(index, document));
    const results = await Promise.allSettled(
      toBatches(items, this.options.batchBytes).map((batch) => this.#send(batch)),
    );
    const outcome: WriteOutcome = { written: 0, deadLettered: 0 };
    for (const result of results) {
      if (result.status === "rejected") throw result.reason;
      outcome.written += result.value.written;
      outcome.deadLettered += result.value.deadLettered;
    }
    return outcome;
  }

  /** Sends one batch until every item is written or dead-lettered. */
  async #send(batch: BulkItem[]): Promise<WriteOutcome> {
    const { signal } = this.options;
    const outcome: WriteOutcome = { written: 0, deadLettered: 0 };
    let pending = batch;
    // For the buffer gauges: documents of this batch not yet sent, and sent but unsettled.
    let queued = batch.length;
    let inFlight = 0;
    this.stats.queued += queued;
    const settle = (count: number) => {
      inFlight -= count;
      this.stats.inFlight -= count;
    };
    try {
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > 1) await pause(backoffDelay(attempt - 1, BACKOFF, Math.random), signal);
        await this.options.rate?.take(pending.length, signal);
        await this.limit.acquire(signal);
        this.stats.queued -= queued;
        this.stats.inFlight += queued;
        inFlight += queued;
        queued = 0;
        let answer: SendOutcome;
        try {
          answer = await this.#sendOnce(pending);
        } finally {
          this.limit.release();
        }
        outcome.written += answer.written;
        outcome.deadLettered += answer.deadLettered;
        settle(answer.written + answer.deadLettered);
        const failures = answer.retry;
        if (failures.length > 0 && attempt >= this.options.maxAttempts) {
          const unanswered = failures.find((failure) => failure.error);
          // The target itself is gone: stop the run (it resumes from its checkpoints) rather
          // than dead-letter documents that were never looked at.
          if (unanswered?.error) throw unanswered.error;
          await this.#deadLetter(failures);
          outcome.deadLettered += failures.length;
          return outcome;
        }
        pending = failures.map((failure) => failure.item);
        this.stats.retried += pending.length;
      }
      return outcome;
    } finally {
      // Settled, refused or given up (a stop, an error): none of it is waiting any more.
      this.stats.queued -= queued;
      settle(inFlight);
    }
  }

  /**
   * One request. Returns the items to send again, with how many were written and how many
   * refused for good (dead-lettered here). A whole-request push-back returns every item.
   */
  async #sendOnce(items: BulkItem[]): Promise<SendOutcome> {
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
        const retry = items.map((item) => ({
          item,
          status: 0,
          reason: error.message,
          type: "no_answer",
          error,
        }));
        return { written: 0, deadLettered: 0, retry };
      }
      throw error;
    }
    this.stats.bytesSent += body.length;
    if (response.status === 429 || response.status >= 500) {
      this.stats.requestFailures++;
      this.limit.pushedBack();
      const reason = `the target answered ${response.status} to the whole bulk request`;
      const type = (response.body as { error?: { type?: unknown } } | undefined)?.error?.type;
      log.debug`${reason}; backing off (limit now ${this.limit.limit})`;
      const retry = items.map((item) => ({
        item,
        status: response.status,
        reason,
        type: typeof type === "string" ? type : "bulk_request_refused",
      }));
      return { written: 0, deadLettered: 0, retry };
    }
    if (response.status < 200 || response.status >= 300) {
      throw this.client.httpError("POST", "/_bulk", response);
    }
    const outcome = classifyBulkResponse(items, response.body);
    this.stats.written += outcome.written.length;
    await this.#deadLetter(outcome.refused);
    if (outcome.retry.length > 0) this.limit.pushedBack();
    else this.limit.succeeded();
    return {
      written: outcome.written.length,
      deadLettered: outcome.refused.length,
      retry: outcome.retry,
    };
  }

  /**
   * Records refused documents in the dead-letter file and counts them per reason. Only the
   * first few of the whole run are logged one by one, shortly: a storm of refusals must not
   * flood the output (the file holds every one, with the full reason).
   */
  async #deadLetter(failures: ItemFailure[]): Promise<void> {
    if (failures.length === 0) return;
    await this.options.deadLetters.write(failures);
    this.stats.deadLettered += failures.length;
    for (const failure of failures) {
      const key = failureKey(failure);
      this.stats.deadLetterReasons[key] = (this.stats.deadLetterReasons[key] ?? 0) + 1;
      if (this.#logged < LOGGED_REFUSALS) {
        log
          .warn`${failure.item.index}/${failure.item.document.id} refused by the target (${failure.status}): ${
          shortReason(failure.reason)
        }`;
      } else if (this.#logged === LOGGED_REFUSALS) {
        log
          .warn`more documents refused; not logged one by one (see ${this.options.deadLetters.path})`;
      } else {
        continue;
      }
      this.#logged++;
    }
  }
}

/** What one bulk request did. */
interface SendOutcome extends WriteOutcome {
  /** Items refused for now, to send again. */
  retry: ItemFailure[];
}

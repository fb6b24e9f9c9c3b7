/**
 * Writes documents to the target with `_bulk`: batches sized in bytes, several requests in
 * flight, only the failed items of an answer sent again, and the pace adapted to the target's
 * push-back. A document still refused after the retries, or refused for good, goes to the
 * dead-letter file; nothing is dropped silently. A request larger than the target takes (413,
 * `http.max_content_length`) is sent again in halves, down to single documents: one that is
 * still too large alone is dead-lettered with the size in its reason.
 */
import type { ClusterClient } from "../cluster/client.ts";
import { ClusterError } from "../cluster/errors.ts";
import { backoffDelay } from "../cluster/retry.ts";
import { logger } from "../log.ts";
import {
  blockedIndexError,
  bulkBody,
  type BulkItem,
  bulkSize,
  classifyBulkResponse,
  deniedWriteError,
  failureKey,
  isFloodStageBlock,
  isIndexBlock,
  type ItemFailure,
  shortReason,
  toBatches,
  toBulkItem,
} from "./bulk.ts";
import type { DeadLetterFile } from "./deadletter.ts";
import { BufferPool } from "./buffers.ts";
import { formatBytes } from "../text.ts";
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
  /**
   * Data streams among the names written to: their documents go with `op_type: create` (the
   * only write a stream takes), and one the target says it holds already counts as written.
   */
  dataStreams?: ReadonlySet<string>;
}

/** Counters of one writer, for progress and the summary. */
export interface WriterStats {
  written: number;
  deadLettered: number;
  /** Dead-lettered documents per status and error type, e.g. `400 mapper_parsing_exception`. */
  deadLetterReasons: Record<string, number>;
  /** Items the target pushed back on (429, rejected execution) and that were sent again. */
  retried: number;
  /** Items sent again per status and error type, as {@link deadLetterReasons}. */
  retryReasons: Record<string, number>;
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

/**
 * A bulk request's timeout unless the operator set one (`--timeout`): a large bulk on a busy
 * target may take longer than the client's default of 30 s for reads.
 */
const BULK_TIMEOUT_MS = 120_000;

/**
 * `filter_path` of a bulk answer: each item's status and error, and a refused request's own
 * `error` and `status` (which the filter would otherwise drop too).
 */
const BULK_ANSWER_FIELDS = "errors,items.*.status,items.*.error,error,status";

/**
 * Whether the target counts as gone, so that every batch stops instead of queueing for more
 * attempts: `maxAttempts` bulk requests in a row, writer-wide, got no answer at all, over at
 * least the back-off one batch waits between its own `maxAttempts` attempts. A node restart or
 * a network blip shorter than that is ridden out as before; a target that stopped answering
 * stops the run after about `maxAttempts` timeouts, rather than after every batch waited
 * through its own attempts one at a time (hours, at two minutes a timeout). Pure.
 */
export function targetGone(
  unansweredInRow: number,
  failingForMs: number,
  maxAttempts: number,
): boolean {
  if (unansweredInRow < maxAttempts) return false;
  let budget = 0;
  for (let attempt = 1; attempt < maxAttempts; attempt++) {
    budget += Math.min(BACKOFF.maxDelayMs, BACKOFF.baseDelayMs * 2 ** (attempt - 1));
  }
  return failingForMs >= budget;
}

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
    retryReasons: {},
    requestFailures: 0,
    bytesSent: 0,
    queued: 0,
    inFlight: 0,
  };
  #logged = 0;
  #warnedTooLarge = false;
  #warnedBlocked = false;
  /** Bulk requests in a row that got no answer, and when the first of them was sent. */
  #unanswered = { count: 0, since: 0 };
  /** Set once the target is gone ({@link targetGone}): every batch stops with this error. */
  #gone?: ClusterError;
  /** Bulk bodies, reused (see buffers.ts). */
  readonly #buffers: BufferPool;

  constructor(readonly client: ClusterClient, readonly options: BulkWriterOptions) {
    this.limit = new AdaptiveLimit(options.concurrency);
    this.#buffers = new BufferPool(options.concurrency + 1, 2 * options.batchBytes);
  }

  /**
   * Writes `documents` to `index`; resolves once each is acknowledged by the target or recorded
   * in the dead-letter file, with how many went which way. Throws when the target cannot be
   * reached or refuses us (credentials, a missing index...), or when the run is stopped: then
   * nothing after the last checkpoint is assumed written. Every batch has settled by then.
   */
  async write(index: string, documents: SourceDocument[]): Promise<WriteOutcome> {
    const create = this.options.dataStreams?.has(index) ?? false;
    const items = documents.map((document) => toBulkItem(index, document, create));
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
        if (this.#gone) throw this.#gone;
        await this.options.rate?.take(pending.length, signal);
        await this.limit.acquire(signal);
        if (this.#gone) {
          this.limit.release();
          throw this.#gone;
        }
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
        if (answer.tooLarge) {
          // None of it was looked at: the halves go as batches of their own.
          settle(pending.length);
          const split = await this.#tooLarge(pending);
          outcome.written += split.written;
          outcome.deadLettered += split.deadLettered;
          return outcome;
        }
        const failures = answer.retry;
        const blocked = failures.find(isIndexBlock);
        if (blocked) this.#warnBlocked(blocked);
        if (this.#gone) throw this.#gone;
        if (failures.length > 0 && attempt >= this.options.maxAttempts) {
          const unanswered = failures.find((failure) => failure.error);
          // The target itself is gone: stop the run (it resumes from its checkpoints) rather
          // than dead-letter documents that were never looked at.
          if (unanswered?.error) throw unanswered.error;
          // Likewise an index the target keeps blocked: every document of it would be refused.
          if (blocked) throw blockedIndexError(blocked);
          await this.#deadLetter(failures);
          outcome.deadLettered += failures.length;
          return outcome;
        }
        pending = failures.map((failure) => failure.item);
        this.stats.retried += pending.length;
        this.#countRetries(failures);
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
    const buffer = this.#buffers.take(bulkSize(items));
    const body = bulkBody(items, buffer);
    const sentAt = Date.now();
    let response;
    try {
      response = await this.client.request("POST", "/_bulk", {
        body,
        // Copied documents went through the source's ingest pipelines already: a default
        // pipeline applied again would change them (a `set`, `append` or script twice).
        // The answer cut to what classifyBulkResponse reads: a status (and an error) per item,
        // a tenth of the full answer to build, send and parse.
        query: { pipeline: "_none", filter_path: BULK_ANSWER_FIELDS },
        // Pacing and retries are ours: the limit must hear about every push-back.
        retry: { maxAttempts: 1 },
        // Writing the same ids again is harmless, so a timed-out bulk may be resent.
        idempotent: true,
        defaultTimeoutMs: BULK_TIMEOUT_MS,
      });
      // Answered: the body was read whole. (After a failure it is left to the collector: a
      // request cut short might still be reading it.)
      this.#buffers.give(buffer);
    } catch (error) {
      if (
        error instanceof ClusterError && (error.kind === "unreachable" || error.kind === "timeout")
      ) {
        this.stats.requestFailures++;
        this.limit.pushedBack();
        const now = Date.now();
        // Unanswered since this request went out, when it is the first of a streak.
        if (this.#unanswered.count++ === 0) this.#unanswered.since = sentAt;
        const { count, since } = this.#unanswered;
        if (!this.#gone && targetGone(count, now - since, this.options.maxAttempts)) {
          this.#gone = error;
          log
            .warn`bulk request to ${this.client.url} failed (${error.message}); no answer to ${count} requests in a row over ${
            Math.round((now - since) / 1000)
          } s: stopping`;
        } else if (!this.#gone) {
          log.warn`bulk request to ${this.client.url} failed (${error.message}); sending again`;
        }
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
    this.#unanswered.count = 0;
    this.stats.bytesSent += body.length;
    if (response.status === 413) return { written: 0, deadLettered: 0, retry: [], tooLarge: true };
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
    // Refused for the credentials, not for the document: every other would be too.
    const denied = outcome.refused.find((failure) =>
      failure.status === 401 || failure.status === 403
    );
    if (denied) throw deniedWriteError(this.client.url, denied);
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
   * Items whose request the target refused as too large (413): sent again in two halves, one
   * after the other (each split further if need be); a single document still too large is
   * dead-lettered, its reason naming its size and the target's limit.
   */
  async #tooLarge(items: BulkItem[]): Promise<WriteOutcome> {
    if (items.length > 1) {
      if (!this.#warnedTooLarge) {
        this.#warnedTooLarge = true;
        log
          .warn`a bulk request to ${this.client.url} was larger than it accepts (413, its http.max_content_length); sending smaller ones (lower --batch-bytes to avoid this)`;
      }
      const half = Math.ceil(items.length / 2);
      const first = await this.#send(items.slice(0, half));
      const second = await this.#send(items.slice(half));
      return {
        written: first.written + second.written,
        deadLettered: first.deadLettered + second.deadLettered,
      };
    }
    const [item] = items;
    await this.#deadLetter([{
      item,
      status: 413,
      type: "request_entity_too_large",
      reason: tooLargeReason(item.bytes),
    }]);
    return { written: 0, deadLettered: 1 };
  }

  /** Says once, at the first refusal for a block, that writes wait for it to be lifted. */
  #warnBlocked(failure: ItemFailure): void {
    if (this.#warnedBlocked) return;
    this.#warnedBlocked = true;
    const why = isFloodStageBlock(failure.reason)
      ? "read-only: the target's disk passed its flood-stage watermark"
      : "blocked";
    log
      .warn`the target refuses writes to ${failure.item.index} (${why}); retrying for a while, then stopping with how to lift it`;
  }

  /** Counts items about to be sent again, per reason (for the status page). */
  #countRetries(failures: ItemFailure[]): void {
    for (const failure of failures) {
      const key = failureKey(failure);
      this.stats.retryReasons[key] = (this.stats.retryReasons[key] ?? 0) + 1;
    }
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
  /** The target refused the request as too large (413): nothing of it was looked at. */
  tooLarge?: true;
}

/**
 * Why a document alone in a bulk request was refused with 413: its size against the target's
 * request size limit (`http.max_content_length`, 100mb by default; a proxy may have a lower one).
 */
export function tooLargeReason(bytes: number): string {
  return `413 Request Entity Too Large: this document alone makes a bulk request of ` +
    `${formatBytes(bytes)}, more than the target accepts (its http.max_content_length, or the ` +
    "limit of a proxy in front of it)";
}

/**
 * What the run flow needs of an engine that copies documents. The run flow (run.ts) plans,
 * creates, hands the engine the indices and their expected counts, then confirms on the target
 * what the engine says it did; the engine only moves documents. Two engines implement it: the
 * native one (`src/backfill/`) and Data Prepper's (`src/dataprepper/`).
 */
import type { Journal } from "../journal/journal.ts";

/**
 * Documents copied and expected, in all and per index; and, from engines that keep them, the
 * live counters behind a monitoring endpoint (the native engine fills them all).
 */
export interface CopyProgress {
  copied: number;
  expected: number;
  perIndex: Record<string, { copied: number; expected: number }>;
  /** Documents read from the source by this run. */
  read?: number;
  /** Documents the target acknowledged in this run. */
  written?: number;
  /** Documents the target refused in this run, now in the dead-letter file. */
  deadLettered?: number;
  /** Documents sent again in this run after the target pushed back. */
  retried?: number;
  /** Of those, how many per status and error type, e.g. `429 es_rejected_execution_exception`. */
  retryReasons?: Record<string, number>;
  /** Documents dead-lettered in this run per status and error type. */
  deadLetterReasons?: Record<string, number>;
  /** Bytes of documents read from the source by this run. */
  bytesRead?: number;
  /** Slices of the copied indices, and how many of them are done (earlier runs' included). */
  slicesDone?: number;
  slicesTotal?: number;
  /** Indices being copied, and how many have every slice done (earlier runs' included). */
  partitionsCreated?: number;
  partitionsCompleted?: number;
  /** Documents handed to the writer that wait for their first request. */
  inBuffer?: number;
  /** Documents sent and neither acknowledged nor dead-lettered yet. */
  inFlight?: number;
}

/** How the run flow steers one copy. */
export interface CopyControl {
  /** Fires on SIGINT/SIGTERM: stop after what is in flight, keep the checkpoints. */
  signal: AbortSignal;
  /** Indices of the journal to leave out this time (a narrower selection on a re-run). */
  skipIndex?: (index: string) => boolean;
  /** Send again every dead-lettered document, not only those the target pushed back on. */
  retryAllDeadLetters: boolean;
  /** Called about once a second. */
  onProgress(progress: CopyProgress): void;
  /** Something the operator should read, e.g. how an external engine was stopped. */
  onNote?(message: string): void;
  /** Called once when documents refused by an earlier run were sent again. */
  onReplay?(replay: ReplayOutcome): void;
}

/** Documents of the dead-letter file sent again at the start of a continued run. */
export interface ReplayOutcome {
  /** Sent again. */
  sent: number;
  /** Of those, acknowledged by the target now. */
  written: number;
  /** Left in the file without being sent (refused for good, and no --retry-dead-letters). */
  kept: number;
}

/** What one copy did. */
export interface CopyOutcome extends CopyProgress {
  /** Stopped by the signal: the checkpoints are saved, the same command continues. */
  interrupted: boolean;
  /** Documents the target refused that are in the dead-letter file now (every run). */
  deadLettered: number;
  deadLetterFile?: string;
  /** Dead-lettered documents by reason, e.g. `429 es_rejected_execution_exception`. */
  deadLetterReasons: Record<string, number>;
  /** Indices whose load-time settings could not be put back. */
  notRestored: string[];
  /** Figures of this engine for the JSON result (snake_case keys). */
  figures: Record<string, unknown>;
}

/** Where an unfinished copy stands, for the message that says it is continued. */
export interface ResumePoint {
  /** Slices done, of `total`. */
  done: number;
  total: number;
  /** Documents already written, per the journal's checkpoints. */
  copied: number;
  /** Documents the journal's copy expects in all (its indices' counts when it started). */
  expected?: number;
}

/** Why an engine does not copy data streams, and what the operator can do instead. */
export interface DataStreamRefusal {
  why: string;
  hint: string;
}

/** A way of copying documents that the run flow can drive and continue. */
export interface Engine {
  readonly name: string;
  /**
   * Whether an unfinished copy can be continued from the journal. When not (Data Prepper keeps
   * no position we can read), a failed copy rolls back what the run created, as the original
   * tool did, unless `--keep-on-failure`.
   */
  readonly resumable: boolean;
  /** Checks, before the run changes anything, that this engine can copy from this source. */
  preflight?(): Promise<void>;
  /** Whether it changes the settings of the indices the run creates (refresh off to load). */
  readonly tunesNewIndices?: boolean;
  /**
   * Set when it does not copy data streams: why, and the way out. A run that selects a stream
   * is then refused before anything is created.
   */
  readonly dataStreamsRefused?: DataStreamRefusal;
  /**
   * Records in the journal what a new copy will read: the indices and data streams with their
   * counts now; `streams` gives each data stream's source backing indices, oldest first.
   */
  prepare(
    journal: Journal,
    documents: Record<string, number>,
    streams?: Record<string, string[]>,
  ): Promise<void>;
  /** The indices the journal's copy fills (a continued run keeps them). */
  indices(journal: Journal): string[];
  /** Sets an unfinished copy back to its start (`--restart`); ids are kept, nothing doubles. */
  restart(journal: Journal): Promise<void>;
  /** How far the journal's copy got. */
  resumePoint(journal: Journal): ResumePoint;
  /** Copies what the journal says is left; throws only when it cannot go on at all. */
  copy(journal: Journal, control: CopyControl): Promise<CopyOutcome>;
}

/**
 * How documents are read and written: the copy's tuning, one type for every command that
 * copies (`run`'s native engine, `sync`'s first copy and its passes) and its defaults.
 */

/** The operator's controls of a copy. */
export interface CopyTuning {
  /** Slices per index, and slices read at once (`--slices`). */
  slices: number;
  /** Bulk requests in flight at most (`--concurrency`). */
  concurrency: number;
  /** Bytes per bulk request at most (`--batch-bytes`). */
  batchBytes: number;
  /** Documents per source page (`--page-size`). */
  pageSize: number;
  /** Attempts per document the target pushes back on, before the dead-letter file. */
  maxAttempts: number;
  /** A cap on the copy rate (`--max-docs-per-second`). */
  maxDocsPerSecond?: number;
}

/** The defaults of {@link CopyTuning}. */
export const DEFAULT_COPY_TUNING: Readonly<Required<Omit<CopyTuning, "maxDocsPerSecond">>> = {
  slices: 4,
  concurrency: 4,
  batchBytes: 5 * 1024 ** 2,
  pageSize: 1000,
  maxAttempts: 8,
};

/**
 * The native engine as the run flow sees it: the backfill of this folder behind the
 * {@link Engine} interface, with the dead letters of earlier runs sent again first.
 */
import type { ClusterClient } from "../cluster/client.ts";
import type { Journal } from "../journal/journal.ts";
import type { CopyTuning } from "../migrate/copy-options.ts";
import { deadLetterPathBeside, type RunPart } from "../journal/run-journal.ts";
import type {
  CopyControl,
  CopyOutcome,
  CopyProgress,
  DataStreamRefusal,
  Engine,
  ResumePoint,
} from "../migrate/engine.ts";
import {
  type BackfillOptions,
  countProgress,
  prepareBackfill,
  restartBackfill,
  runBackfill,
} from "./engine.ts";
import { RateLimit } from "./limiter.ts";
import { replayDeadLetters, summarizeDeadLetters } from "./replay.ts";

/** The operator's controls of the native engine (see {@link BackfillOptions}). */
export type NativeEngineOptions =
  & CopyTuning
  & Pick<BackfillOptions, "tuneTarget">
  & {
    /** Default: next to the journal, `<journal>.dead-letter.ndjson`. */
    deadLetterPath?: string;
    /** `--part k/N`: copy only the primary shards of this part (see units.ts). */
    part?: RunPart;
    /** Set when this copy must not take data streams (a sync's first copy), with why. */
    dataStreamsRefused?: DataStreamRefusal;
  };

/** Copies with sliced `_seq_no` reads and adaptive bulk writes (see engine.ts). */
export class NativeEngine implements Engine {
  readonly name = "native";
  readonly resumable = true;
  readonly dataStreamsRefused?: DataStreamRefusal;
  readonly tunesNewIndices: boolean;

  constructor(
    readonly source: ClusterClient,
    readonly target: ClusterClient,
    readonly options: NativeEngineOptions,
  ) {
    this.dataStreamsRefused = options.dataStreamsRefused;
    this.tunesNewIndices = options.tuneTarget !== "none";
  }

  /** Where refused documents of the run of `journal` go. */
  deadLetterPath(journal: Journal): string {
    return this.options.deadLetterPath ?? deadLetterPathBeside(journal.path);
  }

  prepare(
    journal: Journal,
    documents: Record<string, number>,
    streams: Record<string, string[]> = {},
  ): Promise<void> {
    const { slices, part } = this.options;
    return prepareBackfill(this.source, journal, documents, slices, part, streams);
  }

  indices(journal: Journal): string[] {
    return Object.keys(journal.data.backfill?.indices ?? {}).sort();
  }

  async restart(journal: Journal): Promise<void> {
    await restartBackfill(this.source, journal, this.options.slices, this.options.part);
    // Every document is read again, so the refusals of before say nothing any more.
    await Deno.remove(this.deadLetterPath(journal)).catch(() => {});
    if (journal.data.backfill) {
      journal.data.backfill.deadLetters = 0;
      journal.data.backfill.recovered = {};
      await journal.save();
    }
  }

  resumePoint(journal: Journal): ResumePoint {
    const state = journal.data.backfill;
    if (!state) return { done: 0, total: 0, copied: 0 };
    const { copied, expected } = this.#progress(journal);
    return {
      done: state.units.filter((unit) => unit.done).length,
      total: state.units.length,
      copied,
      expected,
    };
  }

  async copy(journal: Journal, control: CopyControl): Promise<CopyOutcome> {
    const state = journal.data.backfill;
    if (!state) throw new Error("the native engine copies after prepare()");
    const deadLetterPath = this.deadLetterPath(journal);
    const writerOptions = {
      concurrency: this.options.concurrency,
      batchBytes: this.options.batchBytes,
      maxAttempts: this.options.maxAttempts,
      rate: this.options.maxDocsPerSecond
        ? new RateLimit(this.options.maxDocsPerSecond)
        : undefined,
      signal: control.signal,
      // Refused documents of a stream go back into it (its write index now) as creates.
      dataStreams: new Set(Object.keys(state.streams ?? {})),
    };
    if (state.deadLetters > 0) {
      const replay = await replayDeadLetters(this.target, deadLetterPath, {
        ...writerOptions,
        all: control.retryAllDeadLetters,
      });
      control.onReplay?.(replay);
      const left = (await summarizeDeadLetters(deadLetterPath)).count;
      await this.#recordRecovered(journal, left, replay.writtenPerIndex);
    }
    // The backfill's live counters (this run's reads, writes, slices...), last seen.
    let live: CopyProgress | undefined;
    const result = await runBackfill(this.source, this.target, journal, {
      ...this.options,
      deadLetterPath,
      signal: control.signal,
      skipIndex: control.skipIndex,
      onProgress: (progress) => {
        live = progress;
        control.onProgress(this.#progress(journal, live));
      },
    });
    const letters = await summarizeDeadLetters(deadLetterPath);
    state.deadLetters = letters.count;
    // Refused documents keep the copy unfinished, so the same command sends them again.
    state.status = result.interrupted ? "running" : letters.count > 0 ? "failed" : "completed";
    await journal.save();
    const progress = this.#progress(journal, live);
    control.onProgress(progress);
    return {
      ...progress,
      interrupted: result.interrupted,
      deadLettered: letters.count,
      ...(letters.count > 0 ? { deadLetterFile: deadLetterPath } : {}),
      deadLetterReasons: letters.reasons,
      notRestored: result.notRestored,
      figures: {
        read_this_run: result.readThisRun,
        written_this_run: result.writtenThisRun,
        retried: result.retried,
        slices: { total: result.units, done_before: result.resumedUnits },
        elapsed_seconds: result.elapsedSeconds,
        docs_per_second: result.elapsedSeconds > 0
          ? result.writtenThisRun / result.elapsedSeconds
          : 0,
      },
    };
  }

  /**
   * Counts from the journal, with the dead letters that later arrived on a replay, and the
   * backfill's `live` counters when it runs.
   */
  #progress(journal: Journal, live?: CopyProgress): CopyProgress {
    const state = journal.data.backfill!;
    const progress: CopyProgress = { ...live, ...countProgress(state) };
    for (const [index, recovered] of Object.entries(state.recovered ?? {})) {
      const entry = progress.perIndex[index];
      if (!entry) continue;
      entry.copied += recovered;
      progress.copied += recovered;
    }
    return progress;
  }

  /** Adds the replayed documents the target acknowledged to the copied counts. */
  async #recordRecovered(journal: Journal, deadLetters: number, written: Record<string, number>) {
    const state = journal.data.backfill!;
    state.deadLetters = deadLetters;
    state.recovered ??= {};
    for (const [index, count] of Object.entries(written)) {
      state.recovered[index] = (state.recovered[index] ?? 0) + count;
    }
    await journal.save();
  }
}

/**
 * The native backfill: every slice of every migrating index read from the source and written
 * to the target, several slices at once, each slice's position checkpointed in the journal after
 * every acknowledged page, so a re-run after any crash continues where the last one stopped.
 * A shard's open-ended last range is read again, from its checkpoint, once the shard's other
 * ranges are done, and only then marked done: changes made during the copy all arrive.
 */
import type { ClusterClient } from "../cluster/client.ts";
import type { BackfillState, BackfillUnit, Journal } from "../journal/journal.ts";
import type { RunPart } from "../journal/run-journal.ts";
import type { CopyTuning } from "../migrate/copy-options.ts";
import type { CopyProgress } from "../migrate/engine.ts";
import { logger } from "../log.ts";
import { DeadLetterFile } from "./deadletter.ts";
import { isAbort, unlessAborted } from "../abort.ts";
import { RateLimit } from "./limiter.ts";
import {
  type Page,
  PAGE_BYTES,
  type PageSizing,
  readShardSeqNos,
  readSlice,
  settleShard,
} from "./reader.ts";
import { BufferPool } from "./buffers.ts";
import { indicesToTune, type TargetTuning, tuneTarget } from "./tune.ts";
import { restoreTunedSettings } from "../journal/undo.ts";
import {
  afterPass,
  generationOf,
  mayFinish,
  ownsStream,
  planStreamUnits,
  planUnits,
  readIndexOf,
  readyToFinish,
  type ShardSeqNo,
  shardsOfPart,
} from "./units.ts";
import { rollOverTo } from "./streams.ts";
import { readFinalPipelines, suspendFinalPipelines } from "./final-pipeline.ts";
import { BulkWriter, type WriteOutcome } from "./writer.ts";

const log = logger("backfill");

/** The operator's controls. */
export interface BackfillOptions extends CopyTuning {
  /** Which target indices load with refreshes off and no replicas (see tune.ts). */
  tuneTarget: TargetTuning;
  deadLetterPath: string;
  /** Indices of the journal to leave out this time (a narrower selection on a re-run). */
  skipIndex?: (index: string) => boolean;
  /**
   * Stops the run (SIGINT, SIGTERM): waits end at once, requests already sent are let finish,
   * and only pages the target acknowledged are checkpointed; the rest are read again next time.
   */
  signal?: AbortSignal;
  /** Called about once a second with the counters. */
  onProgress?: (progress: BackfillProgress) => void;
}

/**
 * Live counters: documents copied over every run, per index and in all; and, while a run copies,
 * what it read, wrote, refused and holds in flight, and the slices and indices done.
 */
export type BackfillProgress = CopyProgress;

/** What a backfill did. */
export interface BackfillResult extends BackfillProgress {
  /** Slices already finished by earlier runs when this one started. */
  resumedUnits: number;
  units: number;
  /** Documents this run read from the source and wrote (or dead-lettered). */
  readThisRun: number;
  writtenThisRun: number;
  deadLetteredThisRun: number;
  deadLetteredTotal: number;
  /**
   * This run's dead-lettered documents per status and error type, e.g.
   * `{"429 es_rejected_execution_exception": 955}`, for a one-line summary.
   */
  deadLetterReasons: Record<string, number>;
  /** Items the target pushed back on and that were sent again. */
  retried: number;
  bytesRead: number;
  elapsedSeconds: number;
  interrupted: boolean;
  /** Indices whose tuned settings could not be put back. */
  notRestored: string[];
}

/** Documents copied and expected, per index and in all, from a journal's backfill state. */
export function countProgress(state: BackfillState): BackfillProgress {
  const perIndex: BackfillProgress["perIndex"] = {};
  for (const [index, expected] of Object.entries(state.indices)) {
    perIndex[index] = { copied: 0, expected };
  }
  for (const unit of state.units) perIndex[unit.index].copied += unit.copied;
  const copied = state.units.reduce((sum, unit) => sum + unit.copied, 0);
  const expected = Object.values(state.indices).reduce((sum, count) => sum + count, 0);
  return { copied, expected, perIndex };
}

/**
 * Starts the backfill state in the journal unless an earlier run left one: the slices of each
 * index from its shards' sequence numbers now. With `part` (`--part k/N`), only the primary
 * shards of that part are sliced, and each index expects the documents of those shards. A data
 * stream among `indices` (a key of `streams`) is sliced backing index by backing index.
 */
export async function prepareBackfill(
  source: ClusterClient,
  journal: Journal,
  indices: Record<string, number>,
  slices: number,
  part?: RunPart,
  streams: Record<string, string[]> = {},
): Promise<void> {
  if (journal.data.backfill) return;
  const { units, seqNos } = await planAllUnits(source, Object.keys(indices), streams, slices, part);
  const expected = part ? await shareCounts(source, indices, streams, seqNos, part) : indices;
  journal.data.backfill = {
    source: source.url,
    indices: expected,
    units,
    ...(Object.keys(streams).length > 0 ? { streams } : {}),
    tuned: {},
    deadLetters: 0,
    status: "running",
  };
  await journal.save();
}

/** The slices of every index and of every data stream's backing indices, from today's numbers. */
async function planAllUnits(
  source: ClusterClient,
  names: string[],
  streams: Record<string, string[]>,
  slices: number,
  part?: RunPart,
): Promise<{ units: BackfillUnit[]; seqNos: Map<string, ShardSeqNo[]> }> {
  const plain = names.filter((name) => !(name in streams)).sort();
  const backing = Object.keys(streams).sort().flatMap((stream) => streams[stream]);
  const seqNos = await readShardSeqNos(source, [...plain, ...backing]);
  const shardsOf = (index: string) => shardsOfPart(index, seqNos.get(index) ?? [], part);
  // A part copies the streams it owns whole (see ownsStream), every shard of them.
  const allShards = (index: string) => seqNos.get(index) ?? [];
  const units = [
    ...plain.flatMap((index) => planUnits(index, shardsOf(index), slices)),
    ...Object.keys(streams).sort().filter((stream) => ownsStream(stream, part)).flatMap((
      stream,
    ) => planStreamUnits(stream, streams[stream], allShards, slices)),
  ];
  return { units, seqNos };
}

/**
 * Top-level documents of each index on the primary shards of `part` (`_count` with
 * `preference=_shards:...`); 0, without a request, for an index with no shard in the part. A
 * data stream counts whole for the part that owns it, 0 for the others.
 */
async function shareCounts(
  source: ClusterClient,
  indices: Record<string, number>,
  streams: Record<string, string[]>,
  seqNos: Map<string, ShardSeqNo[]>,
  part: RunPart,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const index of Object.keys(indices).sort()) {
    if (index in streams) {
      counts[index] = ownsStream(index, part) ? indices[index] : 0;
      continue;
    }
    const shards = shardsOfPart(index, seqNos.get(index) ?? [], part).map(({ shard }) => shard);
    if (shards.length === 0) {
      counts[index] = 0;
      continue;
    }
    const answer = await source.json<{ count?: number }>(
      "GET",
      `/${encodeURIComponent(index)}/_count`,
      undefined,
      { query: { preference: `_shards:${shards.join(",")}` }, idempotent: true },
    );
    counts[index] = answer.count ?? 0;
  }
  return counts;
}

/**
 * Sets every slice of an unfinished backfill back to its start (`--restart`): the same indices
 * are read again in full (with `part`, that part's shards), from today's sequence numbers; ids
 * are kept, so nothing is duplicated.
 */
export async function restartBackfill(
  source: ClusterClient,
  journal: Journal,
  slices: number,
  part?: RunPart,
) {
  const state = journal.data.backfill;
  if (!state) return;
  const names = Object.keys(state.indices);
  state.units = (await planAllUnits(source, names, state.streams ?? {}, slices, part)).units;
  state.status = "running";
  await journal.save();
}

/** Copies every unfinished slice of the journal's backfill. */
export async function runBackfill(
  source: ClusterClient,
  target: ClusterClient,
  journal: Journal,
  options: BackfillOptions,
): Promise<BackfillResult> {
  const state = journal.data.backfill;
  if (!state) throw new Error("runBackfill needs prepareBackfill first");
  const started = performance.now();
  const info = await source.info();
  const { signal } = options;
  // The streams this copy fills (under --part, those the part owns: see ownsStream).
  const streams = Object.fromEntries(
    Object.entries(state.streams ?? {}).filter(([name]) =>
      state.units.some((unit) => unit.index === name)
    ),
  );
  const deadLetters = new DeadLetterFile(options.deadLetterPath);
  const writer = new BulkWriter(target, {
    concurrency: options.concurrency,
    batchBytes: options.batchBytes,
    maxAttempts: options.maxAttempts,
    deadLetters,
    rate: options.maxDocsPerSecond ? new RateLimit(options.maxDocsPerSecond) : undefined,
    signal,
    dataStreams: new Set(Object.keys(streams)),
  });
  const resumedUnits = state.units.filter((unit) => unit.done).length;
  const deadLetteredBefore = state.deadLetters;
  const skipped = Object.keys(state.indices).filter((index) => options.skipIndex?.(index));
  if (skipped.length > 0) state.skipped = skipped;
  else delete state.skipped;
  const pending = state.units.filter((unit) => !unit.done && !skipped.includes(unit.index));
  // Filled generation by generation (indices are generation 0): see the loop below.
  const queue: BackfillUnit[] = [];
  const indices = Object.keys(state.indices).filter((index) => !skipped.includes(index));
  let readThisRun = 0;
  let bytesRead = 0;
  let failure: unknown;
  let stopping = signal?.aborted ?? false;
  // Open ranges read to their end while other ranges of their shard were still being read: each
  // goes back to the queue for its last pass once those are done.
  const waiting: typeof queue = [];
  state.status = "running";

  const progress = (): BackfillProgress => {
    const units = state.units.filter((unit) => !skipped.includes(unit.index));
    const unfinished = new Set(units.filter((unit) => !unit.done).map((unit) => unit.index));
    return {
      ...countProgress(state),
      read: readThisRun,
      written: writer.stats.written,
      deadLettered: writer.stats.deadLettered,
      retried: writer.stats.retried,
      retryReasons: { ...writer.stats.retryReasons },
      deadLetterReasons: { ...writer.stats.deadLetterReasons },
      bytesRead,
      slicesDone: units.filter((unit) => unit.done).length,
      slicesTotal: units.length,
      partitionsCreated: indices.length,
      partitionsCompleted: indices.filter((index) => !unfinished.has(index)).length,
      inBuffer: writer.stats.queued,
      inFlight: writer.stats.inFlight,
    };
  };
  const ticker = options.onProgress
    ? setInterval(() => options.onProgress!(progress()), 1000)
    : undefined;

  // Pages of one slice written at once: enough for the slices together to fill the allowed
  // concurrency, and one more so a slow answer does not leave the writer idle.
  const pagesInFlight = Math.max(2, Math.ceil(options.concurrency / options.slices) + 1);
  // Bytes of pages read and not yet acknowledged, all slices together (see HELD_BYTES).
  let heldBytes = 0;
  // The buffers pages are read into, each reused once its page is acknowledged: hundreds of
  // pages a second would otherwise leave hundreds of megabytes for the collector.
  // What the slices of an index learned of its documents' sizes (see readSlice).
  const pageSizes = new Map<string, PageSizing>();
  const pageBuffers = new BufferPool(
    options.slices * (pagesInFlight + 1) + 2,
    2 * PAGE_BYTES,
  );

  /**
   * Reads one slice page by page, the next page fetched while earlier ones are written. The
   * checkpoint advances only in page order, past pages the target acknowledged in full (or
   * dead-lettered). At the end the slice is done, or, for an open range whose shard still has
   * other ranges being read, waits for its last pass.
   */
  const copyUnit = async (unit: typeof queue[number]): Promise<void> => {
    // Decided before reading: only a pass begun after its siblings were done may finish it.
    const final = mayFinish(unit, state.units);
    if (final && unit.to === null) {
      unit.settled = await settleShard(source, readIndexOf(unit), unit.shard);
    }
    const pages = readSlice(source, info, unit, options.pageSize, {
      mode: "copy",
      pool: pageBuffers,
      sizes: pageSizes,
    });
    let next: Promise<IteratorResult<Page>> = pages.next();
    const writing: Array<
      { done: Promise<WriteOutcome>; last: number; bytes: number; buffer?: Uint8Array<ArrayBuffer> }
    > = [];
    const settleOldest = async () => {
      const oldest = writing[0];
      const outcome = await oldest.done.finally(() => {
        heldBytes -= oldest.bytes;
        oldest.bytes = 0;
      });
      writing.shift();
      // Acknowledged (or dead-lettered): nothing reads the page's bytes any more.
      if (oldest.buffer) pageBuffers.give(oldest.buffer);
      unit.after = oldest.last;
      // What the target acknowledged; dead-lettered documents are counted apart.
      unit.copied += outcome.written;
      state.deadLetters = deadLetteredBefore + writer.stats.deadLettered;
      journal.checkpoint();
    };
    try {
      try {
        for (;;) {
          const result = await unlessAborted(next, signal);
          if (result.done || stopping) break;
          next = pages.next();
          const { documents, bytes, buffer } = result.value;
          readThisRun += documents.length;
          bytesRead += bytes;
          const done = writer.write(unit.index, documents);
          // Awaited in order by settleOldest; until then a failure must not count as unhandled.
          done.catch(() => {});
          heldBytes += bytes;
          writing.push({ done, last: documents[documents.length - 1].seqNo, bytes, buffer });
          while (
            writing.length >= pagesInFlight || (writing.length > 0 && heldBytes > HELD_BYTES)
          ) await settleOldest();
        }
        while (writing.length > 0) await settleOldest();
      } catch (error) {
        if (!isAbort(error, signal)) throw error;
        stopping = true;
        // Stopped: keep the checkpoints of the pages acknowledged in order before the first
        // one cut short; everything after is read again by the next run.
        while (writing.length > 0 && await writing[0].done.then(() => true, () => false)) {
          await settleOldest();
        }
        return;
      }
      if (stopping) return;
      const verdict = afterPass(unit, state.units, final);
      if (verdict === "done") {
        unit.done = true;
        await journal.save();
        // This may have been the last sibling an open range was waiting for: read it next.
        for (const open of readyToFinish(waiting, state.units)) {
          waiting.splice(waiting.indexOf(open), 1);
          queue.unshift(open);
        }
      } else if (verdict === "again") {
        // Its shard's other ranges finished during this pass: the next one, from now, is last.
        queue.unshift(unit);
      } else {
        log.debug`${unit.id} read to its end; read again once its shard's other ranges are done`;
        waiting.push(unit);
      }
    } finally {
      // Whatever happened, no write of this slice may still run when the run reports back.
      await Promise.allSettled(writing.map((page) => page.done));
      for (const page of writing) heldBytes -= page.bytes;
      // An abandoned prefetch must not surface as an unhandled rejection.
      next.catch(() => {});
      const closed = pages.return(undefined).catch(() => {});
      // After a stop, a read still in flight is left to end on its own.
      if (!signal?.aborted) await closed;
    }
  };

  const worker = async (): Promise<void> => {
    while (!stopping && queue.length > 0) {
      const unit = queue.shift()!;
      try {
        await copyUnit(unit);
      } catch (error) {
        if (!isAbort(error, signal)) failure ??= error;
        stopping = true;
      }
    }
  };
  const onAbort = () => {
    stopping = true;
    log.warn`stopping: pages not yet acknowledged are read again when the same command is re-run`;
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const plain = indices.filter((index) => !(index in streams));
    const tuned = indicesToTune(options.tuneTarget, plain, journal.data);
    if (tuned.length > 0) await tuneTarget(target, journal, tuned);
    const streamNames = new Set(Object.keys(streams));
    // Streams another part fills are that part's to change.
    const filled = indices.filter((index) => !(index in (state.streams ?? {})) || index in streams);
    const sourceFinals = await readFinalPipelines(source, filled, streamNames);
    await suspendFinalPipelines(target, journal, filled, streamNames, sourceFinals);
    const generations = Math.max(1, ...pending.map((unit) => generationOf(unit, streams) + 1));
    for (let generation = 0; generation < generations; generation++) {
      if (failure || stopping) break;
      // The target stream's write index becomes its generation-th backing index, as the source's.
      if (generation > 0) {
        for (const [stream, backing] of Object.entries(streams)) {
          if (backing.length > generation && !skipped.includes(stream)) {
            await rollOverTo(target, stream, generation + 1);
            // The new backing index has the template's final pipeline, if any.
            await suspendFinalPipelines(target, journal, [stream], streamNames, sourceFinals);
          }
        }
      }
      queue.push(...pending.filter((unit) => generationOf(unit, streams) === generation));
      const workers = Math.max(1, Math.min(options.slices, queue.length));
      await Promise.all(Array.from({ length: workers }, worker));
      if (!failure && !stopping && waiting.length > 0) {
        // Cannot happen: a shard's last sibling to finish sends its open range back to the queue.
        throw new Error(`internal: ${waiting.map((unit) => unit.id).join(", ")} never finished`);
      }
    }
    if (!failure && !stopping) await refresh(target, indices);
  } catch (error) {
    failure ??= error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    if (ticker !== undefined) clearInterval(ticker);
    deadLetters.close();
  }
  state.deadLetters = deadLetteredBefore + writer.stats.deadLettered;
  const notRestored = Object.keys(state.tuned).length > 0
    ? await restoreTunedSettings(target, journal).catch((error) => {
      log.error`could not restore the tuned target settings: ${String(error)}`;
      return Object.keys(state.tuned);
    })
    : [];
  const interrupted = stopping && !failure;
  state.status = failure ? "failed" : interrupted ? "running" : "completed";
  await journal.save();
  if (failure) throw failure;
  const final = progress();
  options.onProgress?.(final);
  const { copied, expected, perIndex } = final;
  return {
    copied,
    expected,
    perIndex,
    resumedUnits,
    units: state.units.length,
    readThisRun,
    writtenThisRun: writer.stats.written,
    deadLetteredThisRun: writer.stats.deadLettered,
    deadLetteredTotal: state.deadLetters,
    deadLetterReasons: { ...writer.stats.deadLetterReasons },
    retried: writer.stats.retried,
    bytesRead,
    elapsedSeconds: (performance.now() - started) / 1000,
    interrupted,
    notRestored,
  };
}

/**
 * Pages read and not yet acknowledged hold at most about this many bytes, all slices together
 * (one page per slice always may): with large documents, memory is bounded by bytes, not pages.
 */
const HELD_BYTES = 64 * 1024 ** 2;

/** Makes the copied documents visible to searches and counts. */
async function refresh(target: ClusterClient, indices: string[]): Promise<void> {
  for (const index of indices) {
    await target.json("POST", `/${encodeURIComponent(index)}/_refresh`);
  }
}

/**
 * `sync`: after the backfill, passes until stopped, each copying what changed on the source
 * (pass.ts) and, on schedule, applying its deletes, while new indices of the selection are
 * created and filled and vanished ones reported. The journal keeps the per-shard checkpoints,
 * so a kill at any point is continued by the same command. `--until-lag` ends once the target is
 * at most that many operations behind; `--final` makes one last pass (after freezing the source
 * with `--freeze-source`) and ends with `verify --checksums`.
 */
import { checkSourcePrivileges } from "../cluster/privileges.ts";
import type { ClusterClient } from "../cluster/client.ts";
import type { ClusterPair } from "../cluster/pair.ts";
import { FetchMigrationError } from "../errors.ts";
import type { Journal } from "../journal/journal.ts";
import { setWriteBlock } from "../journal/undo.ts";
import { DeadLetterFile } from "../backfill/deadletter.ts";
import { BulkWriter } from "../backfill/writer.ts";
import { isAbort, pause } from "../abort.ts";
import { migratingDataStreams, migratingIndices } from "../metadata/plan.ts";
import { readFinalPipelines, suspendFinalPipelines } from "../backfill/final-pipeline.ts";
import { restoreTunedSettings } from "../journal/undo.ts";
import type { PlanOptions } from "../metadata/types.ts";
import type { CopyTuning } from "../migrate/copy-options.ts";
import type { MigrationIO } from "../migrate/io.ts";
import {
  nothingMissing,
  shortcomingsError,
  type Unmigratable,
  unmigratableIndices,
} from "../migrate/checks.ts";
import { readShardPositions } from "../backfill/reader.ts";
import { verifyIndices } from "../verify/verify.ts";
import { indexDetails } from "../verify/report.ts";
import {
  applyAllDeletes,
  copyAllChanges,
  type DeleteCandidates,
  findAllDeletes,
  type PassContext,
  type PassOutcome,
  passRecord,
  refresh,
  runPass,
} from "./pass.ts";
import {
  checkpointsFromBackfill,
  checksDeletes,
  lagOf,
  lagSeconds,
  type PassRecord,
  type SyncState,
} from "./state.ts";

/** How often new indices of the selection are looked for. */
const REPLAN_MS = 10_000;

/** The operator's controls of `sync`. */
export interface SyncOptions extends Omit<CopyTuning, "maxDocsPerSecond"> {
  plan: PlanOptions;
  /** Seconds from the start of one pass to the start of the next, at least. */
  interval: number;
  /** End once at most this many operations are behind (after a pass that checked deletes). */
  untilLag?: number;
  /** One last pass, then `verify --checksums`; exit 0 only when both sides are equal. */
  final: boolean;
  /** With `final`: set the write block on the source's selected indices first. */
  freezeSource: boolean;
  /** Look for deletes every this many passes (always in a final pass). */
  deletesEvery: number;
  /** Delete on the target an index deleted on the source (else only reported). */
  propagateIndexDeletes: boolean;
  deadLetterPath: string;
  signal: AbortSignal;
}

/** What `sync` tells its caller as it goes. */
export type SyncEvent =
  | { type: "pass"; record: PassRecord; lagSeconds: number; indices: number; idsRead: number }
  | { type: "note"; message: string };

/** How a sync ended. */
export interface SyncResult {
  status: "caught-up" | "final" | "interrupted";
  passes: number;
  changes: number;
  deletes: number;
  lagDocuments: number;
  indices: string[];
}

/** The sync state of a journal whose backfill finished, started from its checkpoints if new. */
export function syncStateOf(journal: Journal): SyncState {
  const backfill = journal.data.backfill;
  if (!backfill || backfill.status !== "completed") {
    throw new FetchMigrationError(
      "incomplete",
      `the journal ${journal.path} holds no finished copy to keep in step`,
      "run the same sync command again: it copies first, then follows the source",
    );
  }
  journal.data.sync ??= {
    checkpoints: checkpointsFromBackfill(backfill.units),
    passes: 0,
    changesTotal: 0,
    deletesTotal: 0,
    startedAt: new Date().toISOString(),
  };
  return journal.data.sync;
}

/**
 * Refuses indices created before 6.0 (`index.version.created` below 6000099): their older
 * documents carry no sequence number, so their changes cannot be followed.
 */
export async function checkSequenceNumbers(
  clusters: ClusterPair,
  indices: readonly string[],
): Promise<void> {
  const old: string[] = [];
  for (let at = 0; at < indices.length; at += 50) {
    const names = indices.slice(at, at + 50).map(encodeURIComponent).join(",");
    const settings = await clusters.source.json<
      Record<string, { settings?: Record<string, string> }>
    >("GET", `/${names}/_settings/index.version.created`, undefined, {
      query: { flat_settings: "true", ignore_unavailable: "true" },
      idempotent: true,
    });
    old.push(...createdBefore6(settings));
  }
  if (old.length === 0) return;
  throw new FetchMigrationError(
    "bad-input",
    `${old.join(", ")} ${old.length === 1 ? "was" : "were"} created before Elasticsearch 6.0: ` +
      "documents written then have no _seq_no, so sync cannot follow their changes",
    "leave them out with --exclude (copy them with run once writes stop), or reindex them on " +
      "the source into an index created by 6.0 or later",
  );
}

/**
 * The indices of a flat `_settings` answer created before 6.0 (`index.version.created` below
 * 6000099, the id of 6.0.0).
 */
export function createdBefore6(
  settings: Record<string, { settings?: Record<string, string> }>,
): string[] {
  return Object.entries(settings)
    .filter(([, entry]) =>
      Number(entry.settings?.["index.version.created"] ?? Infinity) < 6_000_099
    )
    .map(([name]) => name)
    .sort();
}

/** Runs the passes (see the header). The journal's backfill must be finished. */
export async function runSync(
  clusters: ClusterPair,
  io: MigrationIO,
  journal: Journal,
  options: SyncOptions,
  onEvent: (event: SyncEvent) => void,
): Promise<SyncResult> {
  const state = syncStateOf(journal);
  await checkSequenceNumbers(clusters, Object.keys(state.checkpoints));
  const [sourceInfo, targetInfo] = await Promise.all([
    clusters.source.info(),
    clusters.target.info(),
  ]);
  const deadLetters = new DeadLetterFile(options.deadLetterPath);
  const writer = new BulkWriter(clusters.target, {
    concurrency: options.concurrency,
    batchBytes: options.batchBytes,
    maxAttempts: options.maxAttempts,
    deadLetters,
    signal: options.signal,
  });
  const context = {
    source: clusters.source,
    target: clusters.target,
    sourceInfo,
    targetInfo,
    writer,
    journal,
    state,
    pageSize: options.pageSize,
    pageSizes: new Map(),
    slices: options.slices,
    signal: options.signal,
  };
  let lag = Number.POSITIVE_INFINITY;
  const background: Background = {};
  // Re-planning reads both clusters' metadata, which grows with the clusters: not every pass.
  let plannedAt = 0;
  const unmigratable: Unmigratable[] = [];
  const followNew = async () => {
    plannedAt = Date.now();
    const before = new Set(Object.keys(state.checkpoints));
    const added = await followNewIndices(io, journal, state, options, onEvent, unmigratable);
    const fresh = Object.keys(state.checkpoints).filter((index) => !before.has(index));
    if (fresh.length > 0) await suspendSourceFinals(fresh);
    return added;
  };
  // A final pipeline the source ran would process the passes' documents again: off until the end.
  const suspendSourceFinals = async (names: string[]) => {
    const none = new Set<string>();
    const finals = await readFinalPipelines(clusters.source, names, none);
    await suspendFinalPipelines(clusters.target, journal, names, none, finals);
  };
  // The freeze comes last: a source that would refuse it is found before any pass changes a thing.
  if (options.final && options.freezeSource) {
    await checkSourcePrivileges(clusters.source, "freeze", Object.keys(state.checkpoints));
  }
  await suspendSourceFinals(Object.keys(state.checkpoints));
  try {
    if (options.final) {
      // Indices new since the last pass are frozen and passed too.
      await followNew();
      if (options.freezeSource) await freeze(clusters, journal, state, onEvent);
    }
    for (;;) {
      if (options.signal.aborted) return result("interrupted", state, lag);
      const started = new Date();
      const pass = state.passes + 1;
      const due = checksDeletes(pass, options.deletesEvery, options.final);
      if (!options.final && Date.now() - plannedAt >= REPLAN_MS) await followNew();
      const indices = Object.keys(state.checkpoints).filter((i) => !state.gone?.includes(i));
      // A stop while a write waits (its turn, a back-off) rejects it: nothing unacknowledged
      // was checkpointed, so it is an interruption like any other.
      const passing = options.final
        ? runPass(context, indices, true)
        : changesWithDeletesBehind(context, indices, due, background);
      const outcome = await passing.catch((error) => {
        if (isAbort(error, options.signal)) return undefined;
        throw error;
      });
      if (!outcome) return result("interrupted", state, lag);
      if (options.signal.aborted) return result("interrupted", state, lag);
      await reportGone(clusters, journal, state, outcome.gone, options, onEvent);
      lag = lagOf(await readShardPositions(clusters.source, indices), state.checkpoints);
      const checked = options.final || outcome.deletesStartedAt !== undefined;
      const record = passRecord(pass, started, outcome, lag, checked);
      state.passes = pass;
      state.changesTotal += outcome.changes;
      state.deletesTotal += outcome.deletes;
      state.last = record;
      state.lastPassStart = record.startedAt;
      if (options.final) state.lastDeletesStart = record.startedAt;
      else if (outcome.deletesStartedAt) state.lastDeletesStart = outcome.deletesStartedAt;
      await journal.save();
      onEvent({
        type: "pass",
        record,
        lagSeconds: lagSeconds(lag, { ...state, syncStart: state.startedAt }, new Date()),
        indices: indices.length,
        idsRead: outcome.idsRead,
      });
      if (options.final) {
        await confirmEqual(clusters, indices, options);
        // Selected but never followed: exit 0 would claim them done.
        const failure = shortcomingsError({ ...nothingMissing(), unmigratable });
        if (failure) throw failure;
        return result("final", state, lag);
      }
      if (options.untilLag !== undefined && checked && lag <= options.untilLag) {
        // An index of the selection made since the last look is behind too: look before ending.
        if (plannedAt >= started.getTime() || await followNew() === 0) {
          return result("caught-up", state, lag);
        }
      }
      const wait = options.interval * 1000 - (Date.now() - started.getTime());
      if (wait > 0) await pause(wait, options.signal).catch(() => {});
    }
  } finally {
    // A delete check still reading ids: let it end (its deletes are confirmed one by one).
    await background.task?.catch(() => {});
    deadLetters.close();
    const unrestored = () =>
      Object.entries(journal.data.backfill?.tuned ?? {}).filter(([, t]) => !t.restored)
        .map(([index]) => index);
    // The target may be what just failed: its silence must not hide the sync's own error.
    const notRestored = await restoreTunedSettings(clusters.target, journal).catch(unrestored);
    if (notRestored.length > 0) {
      onEvent({
        type: "note",
        message: `final pipelines not put back on ${notRestored.join(", ")}: the next sync, ` +
          "run or rollback of this journal puts them back",
      });
    }
  }
}

/** The delete check reading ids behind the change passes, if any. */
interface Background {
  task?: Promise<DeleteCandidates & { startedAt: string }>;
  settled?: { found?: DeleteCandidates & { startedAt: string }; error?: unknown };
}

/**
 * The changes of a pass, with the deletes found behind them: reading every id of both sides
 * takes longer than a pass of changes, so it runs while the next passes copy changes. Once it
 * ended, its candidates are confirmed and deleted here, after this pass's changes and before
 * the next (see `confirmedAbsent`), and counted in this pass. `due`: start a check now,
 * unless one still runs.
 */
async function changesWithDeletesBehind(
  context: PassContext,
  indices: readonly string[],
  due: boolean,
  background: Background,
): Promise<PassOutcome> {
  const changes = await copyAllChanges(context, indices);
  const outcome: PassOutcome = {
    changes: changes.changes,
    refused: changes.refused,
    deletes: 0,
    idsRead: 0,
    gone: changes.gone,
  };
  const { settled } = background;
  if (settled) {
    background.task = undefined;
    background.settled = undefined;
    if (settled.error !== undefined) throw settled.error;
    outcome.deletes = await applyAllDeletes(context, settled.found!);
    outcome.idsRead = settled.found!.idsRead;
    outcome.deletesStartedAt = settled.found!.startedAt;
  }
  if (due && !background.task && !context.signal?.aborted) {
    const startedAt = new Date().toISOString();
    const task = findAllDeletes(context, changes.present, changes.positions)
      .then((found) => ({ ...found, startedAt }));
    background.task = task;
    task.then(
      (found) => background.settled = { found },
      (error) => background.settled = { error },
    );
  }
  return outcome;
}

function result(status: SyncResult["status"], state: SyncState, lag: number): SyncResult {
  return {
    status,
    passes: state.passes,
    changes: state.changesTotal,
    deletes: state.deletesTotal,
    lagDocuments: Number.isFinite(lag) ? lag : 0,
    indices: Object.keys(state.checkpoints).sort(),
  };
}

/**
 * New indices of the selection on the source: planned, created (journaled like a run's) and
 * given checkpoints below every operation, so the next passes copy them whole. Returns how many.
 */
async function followNewIndices(
  io: MigrationIO,
  journal: Journal,
  state: SyncState,
  options: SyncOptions,
  onEvent: (event: SyncEvent) => void,
  /** Filled with the selected indices that cannot be followed (conflicting, ...). */
  unmigratable: Unmigratable[],
): Promise<number> {
  const plan = await io.readPlan(options.plan);
  // A followed index is judged by the final verify, not the plan: its target mapping lags the
  // source's dynamic fields until the documents that bring them are copied ("conflicting").
  const unfollowed = unmigratableIndices(plan).filter(({ name }) => !(name in state.checkpoints));
  const streams = Object.keys(migratingDataStreams(plan, true));
  const streamsLeft = streams.map((name) => ({
    name,
    bucket: "unsupported" as const,
    reason: "a data stream: sync does not follow data streams yet (copy it with run)",
  }));
  unmigratable.splice(0, unmigratable.length, ...unfollowed, ...streamsLeft);
  const fresh = migratingIndices(plan).filter((index) =>
    !(index in state.checkpoints) && !streams.includes(index)
  );
  if (fresh.length === 0) return 0;
  const creations = plan.creations.filter((creation) =>
    creation.kind !== "index" || fresh.includes(creation.name)
  );
  await io.create(creations, journal, { keepOnFailure: false, signal: options.signal });
  // No checkpoint yet: every shard reads from its first operation (checkpointOf gives -1).
  for (const index of fresh) state.checkpoints[index] = {};
  await journal.save();
  onEvent({ type: "note", message: `new on the source, now followed: ${fresh.join(", ")}` });
  return fresh.length;
}

/** Indices gone from the source: reported once; deleted on the target only when asked. */
async function reportGone(
  clusters: ClusterPair,
  journal: Journal,
  state: SyncState,
  gone: readonly string[],
  options: SyncOptions,
  onEvent: (event: SyncEvent) => void,
): Promise<void> {
  const fresh = gone.filter((index) => !state.gone?.includes(index));
  if (fresh.length === 0) return;
  state.gone = [...(state.gone ?? []), ...fresh];
  await journal.save();
  if (options.propagateIndexDeletes) {
    for (const index of fresh) {
      await clusters.target.json("DELETE", `/${encodeURIComponent(index)}`);
    }
    onEvent({ type: "note", message: `deleted on the source, so on the target: ${fresh}` });
  } else {
    onEvent({
      type: "note",
      message: `deleted on the source, left on the target: ${fresh.join(", ")} ` +
        "(--propagate-index-deletes deletes them there too)",
    });
  }
}

/** Sets the write block on the source's followed indices, journaled first, for the last pass. */
async function freeze(
  clusters: ClusterPair,
  journal: Journal,
  state: SyncState,
  onEvent: (event: SyncEvent) => void,
): Promise<void> {
  const indices = Object.keys(state.checkpoints).filter((i) => !state.gone?.includes(i)).sort();
  // Journaled before it is set: a crash in between leaves nothing unrecorded to lift.
  state.frozen = [...new Set([...(state.frozen ?? []), ...indices])];
  await journal.save();
  await blockWrites(clusters.source, indices);
  // Writes acknowledged before the block must be visible to the last pass.
  await refresh(clusters.source, indices);
  onEvent({
    type: "note",
    message: `the source refuses writes to ${indices.length} ${
      indices.length === 1 ? "index" : "indices"
    } now (sync --unfreeze or rollback lifts it)`,
  });
}

/**
 * Sets the write block for the last pass. Where the source has the add-block API (Elasticsearch
 * 7.9 and later, every OpenSearch) it is used: it answers only once every shard accounts for the
 * block and the writes in flight have finished, so the final pass's local checkpoints hold them.
 * The setting alone (older versions) takes effect without waiting for writes in flight.
 */
async function blockWrites(source: ClusterClient, indices: readonly string[]): Promise<void> {
  const info = await source.info();
  const api = info.distribution === "opensearch" || info.major > 7 ||
    (info.major === 7 && info.minor >= 9);
  if (!api) return await setWriteBlock(source, indices, true);
  for (let at = 0; at < indices.length; at += 50) {
    const names = indices.slice(at, at + 50).map(encodeURIComponent).join(",");
    await source.json("PUT", `/${names}/_block/write`, undefined, {
      query: { ignore_unavailable: "true" },
    });
  }
}

/** `verify --checksums` of the followed indices; throws naming each difference. */
async function confirmEqual(
  clusters: ClusterPair,
  indices: readonly string[],
  options: SyncOptions,
): Promise<void> {
  const results = await verifyIndices(clusters.source, clusters.target, indices, {
    checksums: true,
    checksumOptions: { slices: options.slices },
  });
  const differing = results.filter((entry) => entry.status !== "ok");
  if (differing.length === 0) return;
  throw new FetchMigrationError(
    "incomplete",
    `after the final pass the target still differs from the source:\n${
      differing.map((entry) => `  - ${indexDetails(entry)}`).join("\n")
    }`,
    "make sure nothing writes to the source any more (--freeze-source), then run sync --final " +
      "again",
  );
}

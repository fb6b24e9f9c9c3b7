/**
 * The run flow, and its one owner: plan → create (journaled) → move (an engine) → confirm
 * (document counts on both sides). Only this module sets a run journal's status and decides
 * whether a run did everything that was selected; the CLI renders its events and result.
 */
import { ClusterError } from "../cluster/errors.ts";
import { BadInputError, FetchMigrationError } from "../errors.ts";
import type { Journal } from "../journal/journal.ts";
import { lockJournal } from "../journal/lock.ts";
import {
  checkJournalPart,
  continuesInPlace,
  isUnfinished,
  loadRunJournal,
  recordPart,
  runFiles,
  type RunPart,
  startRunJournal,
} from "../journal/run-journal.ts";
import type { ApplyResult, ExistingCheck } from "../metadata/apply.ts";
import { recordCreationFailure } from "./metadata.ts";
import { migratingDataStreams, migratingIndices } from "../metadata/plan.ts";
import { selector } from "../metadata/selection.ts";
import { plural } from "../text.ts";
import type { MigrationPlan, PartiallyFilled, PlanOptions } from "../metadata/types.ts";
import {
  checkClusterPair,
  checkDataStreamsCopyable,
  checkPartOptions,
  checkSelectionMatches,
  checkTargetNotOlder,
  type CommandEndpoints,
  existingDifference,
  nothingMissing,
  partDoneSummary,
  shortcomingsError,
  shortfalls,
  type Unmigratable,
  unmigratableIndices,
  verifyCommand,
} from "./checks.ts";
import type { CopyOutcome, CopyProgress, Engine, ReplayOutcome, ResumePoint } from "./engine.ts";
import type { IndexCounts, MigrationIO } from "./io.ts";

/** What the operator asked of a run. */
export interface MigrationOptions {
  plan: PlanOptions;
  /** Default: the pair's journal in the state directory. */
  journalPath?: string;
  dryrun: boolean;
  createOnly: boolean;
  restart: boolean;
  keepOnFailure: boolean;
  skipUnmigratable: boolean;
  retryDeadLetters: boolean;
  allowElasticsearchTarget: boolean;
  /** Accept a target older than the source (`--allow-older-target`). */
  allowOlderTarget?: boolean;
  signal: AbortSignal;
  /**
   * `--verify`: compares every document of the copied indices after the counts; returns those
   * that differ. Handed in, so the run flow does not depend on how verification is done.
   */
  verify?: (indices: string[]) => Promise<Array<{ index: string; details: string }>>;
  /**
   * `--part k/N`: this process is one of N started at once on the same selection, and copies
   * the primary shards that hash to part k (the engine is told the part too). Three steps
   * change: creations another part made first, as this one would have, are no error (and not
   * journaled here), and what this part created is kept when a creation fails (other parts may
   * be filling it); partially filled indices are filled (the other parts fill them too); and
   * the run succeeds when this part's share was copied, since whole-index counts are only
   * known once every part is done: its summary gives the `verify` command for that moment.
   */
  part?: RunPart;
  /** Where the endpoints came from, for the commands the run names (default: flags). */
  origin?: Omit<CommandEndpoints, "sourceUrl" | "targetUrl">;
  /** What the run will do on the source (sync's `--freeze-source` adds the freeze); `copy`. */
  sourceDuty?: "copy" | "freeze";
}

/** What the flow tells as it goes, for the CLI to render. */
export type MigrationEvent =
  | { type: "planned"; plan: MigrationPlan; migrating: string[]; journalPath: string }
  | { type: "journal-archived"; archivedTo: string }
  | { type: "resuming"; runId: string; journalPath: string; point: ResumePoint }
  | { type: "restarting"; runId: string }
  | { type: "left-out"; indices: string[] }
  | { type: "creating"; done: number; total: number }
  | { type: "created"; result: ApplyResult }
  | { type: "copying"; indices: string[] }
  | { type: "replayed"; replay: ReplayOutcome }
  | { type: "progress"; progress: CopyProgress }
  | { type: "confirmed"; counts: IndexCounts[] }
  | { type: "verifying"; indices: string[] }
  | { type: "note"; message: string };

/** How a run ended, with everything the CLI prints. */
export interface MigrationResult {
  status: "completed" | "incomplete" | "interrupted" | "dry-run";
  journalPath: string;
  runId?: string;
  resumed: boolean;
  plan: MigrationPlan;
  /** Indices this run fills (created or found empty, or continued from the journal). */
  indices: string[];
  created: ApplyResult["created"];
  unmigratable: Unmigratable[];
  /** With `--skip-unmigratable`: what was left alone on request, each with why. */
  skipped: Unmigratable[];
  copy?: CopyOutcome;
  counts: IndexCounts[];
  /** Set unless everything selected was done: what is missing, and the command to run. */
  failure?: FetchMigrationError;
  /** With `--part`: the part this run copied. */
  part?: RunPart;
  /** With `--part`, once its share is done: that, and how to check the whole once all are. */
  summary?: string;
  /** With `--verify`: the indices whose every document was compared, and those that differ. */
  verified?: { indices: string[]; differing: string[] };
}

/** Runs a migration from plan to confirmation; see the module header. */
export async function runMigration(
  io: MigrationIO,
  engine: Engine,
  options: MigrationOptions,
  onEvent: (event: MigrationEvent) => void = () => {},
): Promise<MigrationResult> {
  const urls = { source: io.sourceUrl, target: io.targetUrl };
  const info = await io.info();
  checkClusterPair(urls, info, options.allowElasticsearchTarget);
  checkTargetNotOlder(urls, info, !!options.allowOlderTarget);
  const { part } = options;
  checkPartOptions(part, !!options.verify, engine.resumable);
  const journalPath = options.journalPath ??
    runFiles({ sourceUrl: io.sourceUrl, targetUrl: io.targetUrl, part }).journal;
  // Held until the run returns; a dry run writes nothing and needs none.
  await using _lock = options.dryrun ? undefined : await lockJournal(journalPath);
  const plan = await io.readPlan(options.plan);
  checkSelectionMatches(plan, options.plan);
  const previous = await loadRunJournal(journalPath, io.sourceUrl, io.targetUrl);
  const resuming = !!previous && isUnfinished(previous);
  if (resuming) checkJournalPart(previous!, part);
  const unmigratable = leftAlone(options, plan);
  const base = {
    journalPath,
    plan,
    unmigratable,
    skipped: options.skipUnmigratable ? unmigratableIndices(plan) : [],
    resumed: resuming,
    created: [],
    counts: [],
    ...(part ? { part: { index: part.index, count: part.count } } : {}),
  };

  if (!resuming) {
    // With --part, target indices partly filled are expected: the other parts fill them too.
    const partial = options.restart || part ? [] : plan.indices.partially_filled;
    if (partial.length > 0) throw partiallyFilledError(partial, journalPath);
  }
  if (!resuming) checkDataStreamsCopyable(migratingDataStreams(plan, true), engine);
  await engine.preflight?.();
  const migrating = resuming
    ? engine.indices(previous!)
    : migratingIndices(plan, options.restart || !!part);
  await io.checkPrivileges(
    options.sourceDuty ?? "copy",
    migrating,
    toCreate(plan, resuming),
    !!engine.tunesNewIndices,
  );
  onEvent({ type: "planned", plan, migrating, journalPath });
  if (options.dryrun) {
    const failure = shortcomingsError({ ...nothingMissing(), unmigratable });
    return { ...base, status: "dry-run", indices: migrating, failure };
  }
  const run = resuming
    ? await continueRun(io, engine, previous!, plan, options, onEvent)
    : await startRun(io, engine, journalPath, previous, plan, migrating, options, onEvent);
  return { ...base, ...run };
}

type RunOutcome = Pick<
  MigrationResult,
  | "status"
  | "runId"
  | "indices"
  | "created"
  | "copy"
  | "counts"
  | "failure"
  | "summary"
  | "verified"
>;

async function startRun(
  io: MigrationIO,
  engine: Engine,
  journalPath: string,
  previous: Journal | undefined,
  plan: MigrationPlan,
  migrating: string[],
  options: MigrationOptions,
  onEvent: (event: MigrationEvent) => void,
): Promise<RunOutcome> {
  if (previous && !continuesInPlace(previous) && nothingToDo(plan, migrating)) {
    // The finished journal stays the record of what its run created: a no-op run keeps it.
    onEvent({
      type: "note",
      message: `nothing to create or copy; ${journalPath} stays the journal of the last run`,
    });
    const failure = shortcomingsError({
      ...nothingMissing(),
      unmigratable: leftAlone(options, plan),
    });
    return {
      status: failure ? "incomplete" : "completed",
      runId: previous.data.runId,
      indices: [],
      created: [],
      counts: [],
      failure,
    };
  }
  const journal = await openRunJournal(journalPath, previous, io.targetUrl, onEvent);
  await recordPart(journal, options.part);
  let created: ApplyResult;
  try {
    // A part keeps what it created when a later creation fails: other parts may be filling it.
    created = await io.create(plan.creations, journal, {
      keepOnFailure: options.part ? true : options.keepOnFailure,
      ...(options.part ? { whenExisting: existingCheck(io, options) } : {}),
      signal: options.signal,
      onProgress: (done, total) => onEvent({ type: "creating", done, total }),
    });
  } catch (error) {
    await recordCreationFailure(journal, error);
    throw error;
  }
  onEvent({ type: "created", result: created });
  if (created.existing && created.existing.length > 0) {
    onEvent({
      type: "note",
      message: `found ${created.existing.map(({ name }) => name).join(", ")} already created ` +
        "by another part, as this part would have (not in this part's journal)",
    });
  }
  const unmigratable = leftAlone(options, plan);
  if (options.createOnly || migrating.length === 0) {
    const failure = shortcomingsError({ ...nothingMissing(), unmigratable });
    await journal.finish(failure ? "incomplete" : "completed");
    return {
      status: failure ? "incomplete" : "completed",
      runId: journal.data.runId,
      indices: migrating,
      created: created.created,
      counts: [],
      failure,
    };
  }
  await journal.finish("running");
  await engine.prepare(
    journal,
    Object.fromEntries(migrating.map((name) => [name, plan.documents.per_index[name] ?? 0])),
    migratingDataStreams(plan, options.restart || !!options.part),
  );
  if (options.part) {
    const { total } = engine.resumePoint(journal);
    onEvent({
      type: "note",
      message: `part ${options.part.index} of ${options.part.count}: copying the primary shards ` +
        `that hash to this part: ${total} ${total === 1 ? "slice" : "slices"} of ` +
        `${migrating.length} ${migrating.length === 1 ? "index" : "indices"}`,
    });
  }
  let outcome: RunOutcome & { copyFailed?: boolean };
  try {
    outcome = await copyAndConfirm(
      io,
      engine,
      journal,
      migrating,
      [],
      unmigratable,
      options,
      onEvent,
    );
  } catch (error) {
    if (engine.resumable || options.keepOnFailure) throw error;
    throw await rolledBackAfter(io, journal, error);
  }
  if (outcome.copyFailed && !engine.resumable && !options.keepOnFailure) {
    outcome.failure = await rolledBackAfter(io, journal, outcome.failure);
  }
  const { copyFailed: _, ...result } = outcome;
  return { ...result, created: created.created };
}

/** The indices the run will create (none when it continues: they were created then). */
function toCreate(plan: MigrationPlan, resuming: boolean): string[] {
  if (resuming) return [];
  return plan.creations.filter((creation) => creation.kind === "index").map(({ name }) => name);
}

/** Whether a run has nothing to do: nothing to create, no document to copy. */
function nothingToDo(plan: MigrationPlan, migrating: string[]): boolean {
  return plan.creations.length === 0 && migrating.length === 0;
}

/** Selected things this run leaves alone, unless skipped on request. */
function leftAlone(options: MigrationOptions, plan: MigrationPlan): Unmigratable[] {
  return options.skipUnmigratable ? [] : unmigratableIndices(plan);
}

/**
 * The run's journal: the previous one when its run stopped before copying (continued in place,
 * see continuesInPlace), else a new one, a finished previous journal moved aside.
 */
async function openRunJournal(
  path: string,
  previous: Journal | undefined,
  targetUrl: string,
  onEvent: (event: MigrationEvent) => void,
): Promise<Journal> {
  if (previous && continuesInPlace(previous)) {
    onEvent({
      type: "note",
      message: `continuing the run of ${path} (started ${previous.data.startedAt}, ` +
        `${plural(createdIn(previous), "creation")} recorded): what is left is created now`,
    });
    await previous.finish("running");
    return previous;
  }
  const { journal, archivedTo } = await startRunJournal(path, previous, targetUrl);
  if (archivedTo) onEvent({ type: "journal-archived", archivedTo });
  return journal;
}

/** Creations a journal records as made. */
function createdIn(journal: Journal): number {
  return journal.data.entries.filter((entry) => entry.status !== "rolled-back").length;
}

/**
 * An engine that cannot continue a copy failed: deletes what this run created, as the original
 * tool did, so the next run starts from a clean plan; the failure says so.
 */
async function rolledBackAfter(
  io: MigrationIO,
  journal: Journal,
  error: unknown,
): Promise<FetchMigrationError> {
  const original = error instanceof FetchMigrationError
    ? error
    : new FetchMigrationError("refused", error instanceof Error ? error.message : String(error));
  // The rollback talks to the target that may just have failed the copy: its own failure must
  // not hide the copy's, and what it left behind is said, with the command that removes it.
  let what: string;
  let complete = false;
  try {
    const undone = await io.rollback(journal);
    complete = undone.failed.length === 0;
    what = complete
      ? `what this run created was rolled back (${undone.deleted.length} deleted)`
      : `the rollback of what this run created failed for ${undone.failed.join(", ")}`;
  } catch (failure) {
    what = "the rollback of what this run created stopped part way, what it did not delete is " +
      `still on the target: ${failure instanceof Error ? failure.message : String(failure)}`;
  }
  return new FetchMigrationError(
    original.errorKind,
    `${original.message}\n  ${what}`,
    (original.hint ? `${original.hint}; ` : "") +
      (complete
        ? "the same command starts the copy over (--keep-on-failure keeps what was created)"
        : "once the target answers, undo the rest with " +
          `\`fetch-migration rollback --journal ${journal.path} --target ${io.targetUrl}\`, ` +
          "then the same command starts the copy over"),
  );
}

/**
 * How a part judges a name the target says is taken: by a plan read after the refusal. One read
 * serves every name the other parts had created by then; a name it does not show the same is
 * judged on a fresh read.
 */
function existingCheck(io: MigrationIO, options: MigrationOptions): ExistingCheck {
  let plan: MigrationPlan | undefined;
  return async (creation) => {
    let difference = plan && existingDifference(plan, creation);
    if (plan === undefined || difference !== undefined) {
      plan = await io.readPlan(options.plan);
      difference = existingDifference(plan, creation);
    }
    return difference;
  };
}

async function continueRun(
  io: MigrationIO,
  engine: Engine,
  journal: Journal,
  plan: MigrationPlan,
  options: MigrationOptions,
  onEvent: (event: MigrationEvent) => void,
): Promise<RunOutcome> {
  const indices = engine.indices(journal);
  // A bulk write into an index deleted meanwhile would create it anew with guessed mappings.
  const missing = await io.missingOnTarget(indices);
  if (missing.length > 0) {
    throw new BadInputError(
      `cannot continue the run of ${journal.path}: ${missing.join(", ")} ` +
        `${missing.length === 1 ? "is" : "are"} no longer on the target ${io.targetUrl}`,
      `undo the run with \`fetch-migration rollback --journal ${journal.path}\` and run again ` +
        "to start from a new plan, or pass another --journal",
    );
  }
  if (options.restart) {
    await engine.restart(journal);
    onEvent({ type: "restarting", runId: journal.data.runId });
  } else {
    const point = engine.resumePoint(journal);
    onEvent({ type: "resuming", runId: journal.data.runId, journalPath: journal.path, point });
  }
  // A narrower selection on the re-run leaves indices out, e.g. one that cannot be read.
  const selected = selector(options.plan);
  const leftOut = indices.filter((index) => !selected(index));
  if (leftOut.length > 0) onEvent({ type: "left-out", indices: leftOut });
  const newSinceStart = migratingIndices(plan).filter((index) => !indices.includes(index));
  const unmigratable = options.skipUnmigratable
    ? []
    : unmigratableIndices(plan).filter(({ name }) => !indices.includes(name));
  await journal.finish("running");
  const copying = indices.filter((index) => !leftOut.includes(index));
  const part = await copyAndConfirm(
    io,
    engine,
    journal,
    copying,
    newSinceStart,
    unmigratable,
    options,
    onEvent,
    (index) => leftOut.includes(index),
  );
  const { copyFailed: _, ...result } = part;
  return { ...result, indices: copying };
}

async function copyAndConfirm(
  io: MigrationIO,
  engine: Engine,
  journal: Journal,
  indices: string[],
  newSinceStart: string[],
  unmigratable: Unmigratable[],
  options: MigrationOptions,
  onEvent: (event: MigrationEvent) => void,
  skipIndex?: (index: string) => boolean,
): Promise<RunOutcome & { copyFailed: boolean }> {
  onEvent({ type: "copying", indices });
  let copy: CopyOutcome;
  try {
    copy = await engine.copy(journal, {
      signal: options.signal,
      skipIndex,
      retryAllDeadLetters: options.retryDeadLetters,
      onProgress: (progress) => onEvent({ type: "progress", progress }),
      onReplay: (replay) => onEvent({ type: "replayed", replay }),
      onNote: (message) => onEvent({ type: "note", message }),
    });
  } catch (error) {
    await journal.finish("failed");
    throw copyFailure(error, journal.path);
  }
  const runId = journal.data.runId;
  if (copy.interrupted) {
    await journal.finish("running");
    const copied = `${copy.copied.toLocaleString("en-US")} of ` +
      `${copy.expected.toLocaleString("en-US")} documents copied so far`;
    const failure = engine.resumable
      ? new FetchMigrationError(
        "interrupted",
        `interrupted: ${copied}; the checkpoints are saved in ${journal.path}`,
        "run the same command again to continue from the checkpoints, or undo the run with " +
          `\`fetch-migration rollback --journal ${journal.path}\``,
      )
      : new FetchMigrationError("interrupted", `interrupted: ${copied}`);
    return {
      status: "interrupted",
      runId,
      indices,
      created: [],
      copy,
      counts: [],
      failure,
      copyFailed: true,
    };
  }
  if (options.part) {
    return partConfirmed(io, journal, indices, copy, newSinceStart, unmigratable, options);
  }
  const counts = await io.counts(indices);
  onEvent({ type: "confirmed", counts });
  let verifyDiffers: Array<{ index: string; details: string }> | undefined;
  if (options.verify) {
    onEvent({ type: "verifying", indices });
    verifyDiffers = await options.verify(indices);
  }
  const failure = shortcomingsError({
    verifyDiffers,
    unmigratable,
    shortfalls: shortfalls(counts),
    deadLettered: copy.deadLettered,
    deadLetterFile: copy.deadLetterFile,
    deadLetterReasons: copy.deadLetterReasons,
    notRestored: copy.notRestored,
    newSinceStart,
  });
  await journal.finish(failure ? "incomplete" : "completed");
  const status = failure ? "incomplete" : "completed";
  const copyFailed = copy.deadLettered > 0 || shortfalls(counts).length > 0 ||
    (verifyDiffers ?? []).length > 0;
  const verified = verifyDiffers && {
    indices,
    differing: [...new Set(verifyDiffers.map(({ index }) => index))],
  };
  return {
    status,
    runId,
    indices,
    created: [],
    copy,
    counts,
    failure,
    copyFailed,
    ...(verified ? { verified } : {}),
  };
}

/**
 * The confirm step of one part: whole-index counts would compare the other parts' unfinished
 * shares too, so the part succeeds when its own share was copied (its slices done, nothing
 * dead-lettered) and nothing else is missing; its summary says how to check the whole.
 */
async function partConfirmed(
  io: MigrationIO,
  journal: Journal,
  indices: string[],
  copy: CopyOutcome,
  newSinceStart: string[],
  unmigratable: Unmigratable[],
  options: MigrationOptions,
): Promise<RunOutcome & { copyFailed: boolean }> {
  const part = options.part!;
  const total = copy.slicesTotal ?? 0;
  const failure = shortcomingsError({
    unmigratable,
    shortfalls: [],
    deadLettered: copy.deadLettered,
    deadLetterFile: copy.deadLetterFile,
    deadLetterReasons: copy.deadLetterReasons,
    notRestored: copy.notRestored,
    newSinceStart,
    partSlicesLeft: { part, left: total - (copy.slicesDone ?? total), total },
  });
  await journal.finish(failure ? "incomplete" : "completed");
  const command = verifyCommand(
    { origin: "flags", ...options.origin, sourceUrl: io.sourceUrl, targetUrl: io.targetUrl },
    options.plan,
  );
  return {
    status: failure ? "incomplete" : "completed",
    runId: journal.data.runId,
    indices,
    created: [],
    copy,
    counts: [],
    failure,
    copyFailed: !!failure,
    ...(failure ? {} : { summary: partDoneSummary(part, copy, indices, command) }),
  };
}

/** Target indices holding part of the source's documents, with no unfinished run for them. */
function partiallyFilledError(
  partial: PartiallyFilled[],
  journalPath: string,
): FetchMigrationError {
  const names = partial.map(({ name, source_documents, target_documents }) =>
    `${name}: partially filled: ${target_documents} of ${source_documents} documents`
  );
  return new FetchMigrationError(
    "incomplete",
    `${names.join("; ")}; and no unfinished run of this pair in ${journalPath} to continue`,
    "if an earlier run used --journal FILE, pass the same --journal to continue it; otherwise " +
      "add --restart to copy these indices again (documents keep their ids, so nothing is " +
      "duplicated), or leave them out with --exclude",
  );
}

/** Says what stopped a copy and that the same command continues it. */
function copyFailure(error: unknown, journalPath: string): unknown {
  if (error instanceof ClusterError) {
    return new FetchMigrationError(
      error.errorKind,
      `the copy stopped: ${error.message}`,
      "fix the cause and run the same command again: it continues from the checkpoints in " +
        `${journalPath} (\`fetch-migration rollback --journal ${journalPath}\` undoes the run ` +
        "instead)",
    );
  }
  return error;
}

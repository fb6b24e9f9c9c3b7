import { type Command, InvalidArgumentError, Option } from "../deps.ts";
import { MissingSourceError } from "../backfill/reader.ts";
import {
  type BackfillOptions,
  type BackfillResult,
  countProgress,
  prepareBackfill,
  restartBackfill,
  runBackfill,
} from "../backfill/engine.ts";
import { formatCount, formatDuration } from "../backfill/progress.ts";
import { ClusterError } from "../cluster/errors.ts";
import { JournalMismatchError, openRunJournal, runJournalPath } from "../journal/run-journal.ts";
import { applyCreations } from "../metadata/apply.ts";
import { formatPlanText, planToJson } from "../metadata/report.ts";
import { type ClusterPair, openClusters } from "../cluster/pair.ts";
import { migratingIndices } from "../metadata/plan.ts";
import { readPlan } from "../metadata/read-plan.ts";
import { BadInputError, FetchMigrationError } from "../errors.ts";
import {
  addEndpointOptions,
  type EndpointOptionValues,
  resolveEndpoints,
} from "./endpoint-options.ts";
import { printHuman, printJson } from "./output.ts";
import { ProgressPrinter } from "./progress.ts";
import {
  addSelectionOptions,
  planOptions,
  type SelectionOptionValues,
} from "./selection-options.ts";
import { selector } from "../metadata/selection.ts";

type RunOptions = EndpointOptionValues & SelectionOptionValues & {
  engine?: "native" | "dataprepper";
  dryrun?: boolean;
  createonly?: boolean;
  journal?: string;
  restart?: boolean;
  keepOnFailure?: boolean;
  slices: number;
  concurrency: number;
  batchBytes: number;
  pageSize: number;
  maxAttempts: number;
  maxDocsPerSecond?: number;
  tuneTarget?: boolean;
  deadLetter?: string;
  perIndex?: boolean;
  json?: boolean;
};

function positiveInteger(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    throw new InvalidArgumentError(`expected a whole number above 0, got "${text}"`);
  }
  return value;
}

/** `5mb`, `512kb`, `1000000` → bytes. */
function byteSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?$/i.exec(text.trim());
  if (!match) throw new InvalidArgumentError(`expected a size such as 5mb or 512kb, got "${text}"`);
  const unit = (match[2] ?? "b").toLowerCase()[0];
  const factor = unit === "k" ? 1024 : unit === "m" ? 1024 ** 2 : unit === "g" ? 1024 ** 3 : 1;
  const bytes = Math.round(Number(match[1]) * factor);
  if (bytes < 1024) {
    throw new InvalidArgumentError(`a batch of ${text} is too small; use 1kb or more`);
  }
  return bytes;
}

/**
 * Registers `run`: metadata, then the documents, to the end. The original tool's form
 * `run <data-prepper-dir> <pipeline.yaml> [port]` names the Data Prepper engine; the built-in
 * engine takes the endpoints alone (`run [pipeline.yaml]`, `--pipeline`, `--source/--target`).
 */
export function registerRun(program: Command): void {
  addSelectionOptions(addEndpointOptions(
    program
      .command("run")
      .description(
        "migrate: compare, create missing indices and templates, copy the documents, and " +
          "exit 0 only when every document arrived. Re-running the same command after a " +
          "failure or crash continues from the journal's checkpoints.",
      )
      .argument(
        "[args...]",
        "[pipeline.yaml] for the native engine, or the original form " +
          "<data-prepper-dir> <pipeline.yaml> [port] for Data Prepper",
      )
      .addOption(
        new Option("--engine <engine>", "what copies the documents")
          .choices(["native", "dataprepper"]),
      )
      .option("--dryrun", "print the plan and what would be copied; change nothing")
      .option("--createonly", "create the indices and templates, copy no documents")
      .option(
        "--journal <file>",
        "journal of the run (default .fetch-migration/run-<source+target>.json); " +
          "an unfinished one is continued",
      )
      .option(
        "--restart",
        "copy every document of an unfinished run again instead of continuing from its checkpoints",
      )
      .option("--keep-on-failure", "keep created indices and templates when a creation fails")
      .option("--slices <n>", "slices per index, read in parallel", positiveInteger, 4)
      .option("--concurrency <n>", "bulk requests in flight at most", positiveInteger, 4)
      .option("--batch-bytes <size>", "bytes per bulk request at most", byteSize, 5 * 1024 ** 2)
      .option("--page-size <n>", "documents per source page", positiveInteger, 1000)
      .option("--max-docs-per-second <n>", "cap the copy rate", positiveInteger)
      .option(
        "--max-attempts <n>",
        "attempts per document the target pushes back on before it goes to the dead-letter file",
        positiveInteger,
        8,
      )
      .option(
        "--tune-target",
        "set refresh_interval -1 and replicas 0 on the indices being loaded, " +
          "restored at the end (also after a failure or an interrupt)",
      )
      .option(
        "--dead-letter <file>",
        "NDJSON file for documents the target refuses (default next to the journal)",
      )
      .option("--per-index", "show progress per index")
      .option("--json", "print the result as JSON on stdout"),
  )).action(async (args: string[], options: RunOptions) => {
    const { pipeline, engine } = interpretArguments(args, options);
    if (engine === "dataprepper") {
      throw new BadInputError(
        "the Data Prepper engine is not available in this version: Data Prepper cannot be " +
          "assembled on the machines it is built on, so that path is not written yet",
        "add --engine native to copy with the built-in engine (no Data Prepper directory or " +
          "port needed): fetch-migration run --engine native " +
          (pipeline ?? "<pipeline.yaml>"),
      );
    }
    await runNative({ ...options, pipeline });
  });
}

/** Reads the positional arguments in either form. */
function interpretArguments(
  args: string[],
  options: RunOptions,
): { pipeline?: string; engine: "native" | "dataprepper" } {
  if (args.length > 3) throw new BadInputError(`too many arguments: ${args.join(" ")}`);
  if (args.length >= 2) {
    // The original orchestrator: <data-prepper-dir> <pipeline.yaml> [port].
    if (options.pipeline) throw new BadInputError("the pipeline is given twice", "give it once");
    return { pipeline: args[1], engine: options.engine ?? "dataprepper" };
  }
  if (args.length === 1 && options.pipeline) {
    throw new BadInputError(
      "the pipeline is given twice (argument and --pipeline)",
      "give it once",
    );
  }
  return { pipeline: args[0] ?? options.pipeline, engine: options.engine ?? "native" };
}

async function runNative(options: RunOptions): Promise<void> {
  const endpoints = await resolveEndpoints(options);
  using clusters = openClusters(endpoints);
  const journalPath = options.journal ?? runJournalPath(clusters.source.url, clusters.target.url);

  if (options.dryrun) {
    const plan = await readPlan(clusters, planOptions(options, endpoints));
    printHuman(formatPlanText(plan));
    const migrating = migratingIndices(plan);
    const documents = migrating.reduce(
      (sum, name) => sum + (plan.documents.per_index[name] ?? 0),
      0,
    );
    printHuman(
      `dry run: would copy ${formatCount(documents)} documents into ${migrating.length} ` +
        "index(es); nothing was changed",
    );
    if (options.json) printJson({ ...planToJson(plan), dryrun: true });
    return;
  }

  let opened;
  try {
    opened = await openRunJournal(journalPath, clusters.source.url, clusters.target.url);
  } catch (error) {
    if (error instanceof JournalMismatchError) {
      throw new BadInputError(error.message, "pass another --journal file, or --restart");
    }
    throw error;
  }
  const { journal, resuming } = opened;
  if (opened.archivedTo) printHuman(`the previous run's journal is now ${opened.archivedTo}`);
  let created: Array<{ kind: string; name: string }> = [];

  let skipIndex: ((index: string) => boolean) | undefined;
  if (resuming) {
    const state = journal.data.backfill!;
    await requireTargetIndices(clusters.target, Object.keys(state.indices), journalPath);
    if (options.restart) {
      await restartBackfill(clusters.source, journal, options.slices);
      printHuman(`restarting the copy of run ${journal.data.runId} from the start of every slice`);
    } else {
      const done = state.units.filter((unit) => unit.done).length;
      const { copied } = countProgress(state);
      printHuman(
        `continuing run ${journal.data.runId} from ${journalPath}: ${done} of ` +
          `${state.units.length} slice(s) done, ${formatCount(copied)} documents copied ` +
          "(--restart to copy everything again)",
      );
    }
    // A narrower selection on the re-run leaves indices out, e.g. one that cannot be read.
    const selected = selector(planOptions(options, endpoints));
    const left = Object.keys(state.indices).filter((index) => !selected(index));
    if (left.length > 0) {
      printHuman(`leaving out ${left.length} index(es) the selection excludes: ${left.join(", ")}`);
      skipIndex = (index) => left.includes(index);
    }
  } else {
    const plan = await readPlan(clusters, planOptions(options, endpoints));
    const migrating = migratingIndices(plan);
    printHuman(
      `${migrating.length} index(es) to migrate (${plan.indices.create.length} to create), ` +
        `${formatCount(plan.documents.total)} documents to copy; ` +
        `${plan.indices.identical.length} identical with data and ` +
        `${plan.indices.conflicting.length} conflicting (left alone). journal: ${journalPath}`,
    );
    for (const { name, differences } of plan.indices.conflicting) {
      printHuman(`  conflicting ${name}: ${differences.length} difference(s); see plan --report`);
    }
    const result = await applyCreations(clusters.target, plan.creations, journal, {
      keepOnFailure: !!options.keepOnFailure,
    });
    created = result.created;
    for (const t of result.transformations) {
      printHuman(`${t.subjectKind} ${t.subject}: ${t.detail} [${t.rule}]`);
    }
    if (created.length > 0) printHuman(`created ${created.length} on the target`);
    await journal.finish("running");
    if (options.createonly) {
      await journal.finish("completed");
      printHuman("--createonly: no documents copied");
      if (options.json) printJson({ ...planToJson(plan), created, journal: journalPath });
      return;
    }
    if (migrating.length === 0) {
      await journal.finish("completed");
      printHuman("nothing to copy: no index is to create or identical and empty");
      if (options.json) printJson({ ...planToJson(plan), created, journal: journalPath });
      return;
    }
    const counts = Object.fromEntries(
      migrating.map((name) => [name, plan.documents.per_index[name] ?? 0]),
    );
    await prepareBackfill(clusters.source, journal, counts, options.slices);
  }

  const deadLetterPath = options.deadLetter ??
    journalPath.replace(/\.json$/, "") + ".dead-letter.ndjson";
  const printer = new ProgressPrinter({ perIndex: !!options.perIndex });
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const backfillOptions: BackfillOptions = {
    slices: options.slices,
    concurrency: options.concurrency,
    batchBytes: options.batchBytes,
    pageSize: options.pageSize,
    maxAttempts: options.maxAttempts,
    maxDocsPerSecond: options.maxDocsPerSecond,
    tuneTarget: !!options.tuneTarget,
    deadLetterPath,
    signal: interrupt.signal,
    skipIndex,
    onProgress: (counts) => printer.update(counts),
  };
  let result: BackfillResult;
  try {
    result = await runBackfill(clusters.source, clusters.target, journal, backfillOptions);
  } catch (error) {
    printer.finish();
    throw backfillFailure(error, journalPath);
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
  printer.finish();
  if (result.interrupted) await journal.finish("running");
  else await journal.finish(result.deadLetteredTotal > 0 ? "failed" : "completed");
  printSummary(result, journalPath, deadLetterPath);
  if (options.json) {
    printJson({
      journal: journalPath,
      created,
      resumed: resuming,
      documents: {
        expected: result.expected,
        copied: result.copied,
        read_this_run: result.readThisRun,
        written_this_run: result.writtenThisRun,
        dead_lettered: result.deadLetteredTotal,
        retried: result.retried,
        per_index: result.perIndex,
      },
      slices: { total: result.units, done_before: result.resumedUnits },
      elapsed_seconds: result.elapsedSeconds,
      docs_per_second: result.elapsedSeconds > 0
        ? result.writtenThisRun / result.elapsedSeconds
        : 0,
      dead_letter_file: result.deadLetteredTotal > 0 ? deadLetterPath : undefined,
      interrupted: result.interrupted,
      not_restored: result.notRestored,
    });
  }
  if (result.interrupted) {
    throw new FetchMigrationError(
      "incomplete",
      "interrupted: the copy stopped after the pages in flight",
      "run the same command again to continue from the checkpoints",
    );
  }
  if (result.deadLetteredTotal > 0) {
    throw new FetchMigrationError(
      "incomplete",
      `${
        formatCount(result.deadLetteredTotal)
      } document(s) were refused by the target and are in ${deadLetterPath}`,
      "each line names the index, id and the target's reason; fix the cause and send them again " +
        "with _bulk, or adjust the mapping and re-run with --restart",
    );
  }
  if (result.notRestored.length > 0) {
    throw new FetchMigrationError(
      "incomplete",
      `the tuned settings of ${result.notRestored.join(", ")} could not be restored`,
      "see the log above for the values to set",
    );
  }
}

/**
 * Before continuing, every index of the run must still be on the target: a bulk write into a
 * deleted one would create it anew with guessed mappings.
 */
async function requireTargetIndices(
  target: ClusterPair["target"],
  indices: string[],
  journalPath: string,
): Promise<void> {
  const missing: string[] = [];
  for (const index of indices) {
    const response = await target.request("HEAD", `/${encodeURIComponent(index)}`);
    if (response.status === 404) missing.push(index);
  }
  if (missing.length > 0) {
    throw new BadInputError(
      `cannot continue the run of ${journalPath}: ${missing.join(", ")} ` +
        `${missing.length === 1 ? "is" : "are"} no longer on the target ${target.url}`,
      `undo the run with rollback --journal ${journalPath} and run again to start from a new ` +
        "plan, or pass another --journal",
    );
  }
}

function printSummary(result: BackfillResult, journalPath: string, deadLetterPath: string): void {
  const rate = result.elapsedSeconds > 0 ? result.writtenThisRun / result.elapsedSeconds : 0;
  printHuman(
    `copied ${formatCount(result.copied)} of ${formatCount(result.expected)} documents ` +
      `(${formatCount(result.writtenThisRun)} this run in ${
        formatDuration(result.elapsedSeconds)
      }, ` +
      `${formatCount(rate)} docs/s; ${formatCount(result.retried)} retried after push-back)` +
      (result.resumedUnits > 0
        ? `; continued after ${result.resumedUnits} of ${result.units} slices done earlier`
        : ""),
  );
  if (result.deadLetteredTotal > 0) {
    printHuman(`dead letters: ${formatCount(result.deadLetteredTotal)} in ${deadLetterPath}`);
  }
  printHuman(`journal: ${journalPath}`);
}

/** Turns an engine failure into a message that says what happened and what to do. */
function backfillFailure(error: unknown, journalPath: string): unknown {
  const resume = `fix the cause and run the same command again: it continues from the ` +
    `checkpoints in ${journalPath} (rollback --journal ${journalPath} undoes the run instead)`;
  if (error instanceof MissingSourceError) {
    return new FetchMigrationError(
      "incomplete",
      error.message,
      "migrate that index by other means (e.g. reindexing from its origin), leave it out with " +
        `--exclude, and run the same command again (it continues from ${journalPath})`,
    );
  }
  if (error instanceof ClusterError) {
    return new FetchMigrationError(
      error.errorKind,
      `the copy stopped: ${error.message}`,
      resume,
    );
  }
  return error;
}

/**
 * `run`: maps the flags to the run flow's options (src/migrate/run.ts), renders its events and
 * its result, and throws the failure it decided on. Nothing here decides whether a run succeeded.
 */
import { type Command, InvalidArgumentError, Option } from "../deps.ts";
import { formatCount, formatDuration } from "../backfill/progress.ts";
import { NativeEngine } from "../backfill/native-engine.ts";
import { openClusters } from "../cluster/pair.ts";
import { BadInputError } from "../errors.ts";
import { formatPlanText, planToJson } from "../metadata/report.ts";
import { clusterIO } from "../migrate/io.ts";
import { indexDetails } from "../verify/report.ts";
import { verifyIndices } from "../verify/verify.ts";
import { type MigrationEvent, type MigrationResult, runMigration } from "../migrate/run.ts";
import { plural } from "../text.ts";
import {
  addEndpointOptions,
  type EndpointOptionValues,
  resolveEndpoints,
} from "./endpoint-options.ts";
import { printHuman, printJson, printSummary } from "./output.ts";
import { ProgressPrinter } from "./progress.ts";
import {
  addSelectionOptions,
  planOptions,
  type SelectionOptionValues,
} from "./selection-options.ts";

type RunOptions = EndpointOptionValues & SelectionOptionValues & {
  engine?: "native" | "dataprepper";
  dryrun?: boolean;
  createonly?: boolean;
  journal?: string;
  restart?: boolean;
  keepOnFailure?: boolean;
  skipUnmigratable?: boolean;
  retryDeadLetters?: boolean;
  allowElasticsearchTarget?: boolean;
  slices: number;
  concurrency: number;
  batchBytes: number;
  pageSize: number;
  maxAttempts: number;
  maxDocsPerSecond?: number;
  tuneTarget?: boolean;
  deadLetter?: string;
  perIndex?: boolean;
  verify?: boolean;
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
        "migrate: compare, create missing indices and templates, copy the documents, count " +
          "them on both sides, and exit 0 only when every selected document arrived. Re-running " +
          "the same command, from any directory, continues from the journal's checkpoints.",
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
        "journal of the run (default: run-<source+target>.json in $XDG_STATE_HOME/fetch-migration " +
          "or ~/.local/state/fetch-migration); an unfinished one is continued",
      )
      .option(
        "--restart",
        "copy every document again: of an unfinished run, or of indices partially filled " +
          "on the target (ids are kept, nothing is duplicated)",
      )
      .option("--keep-on-failure", "keep created indices and templates when a creation fails")
      .option(
        "--skip-unmigratable",
        "leave out, on purpose, selected indices that cannot be migrated (conflicting, " +
          "unsupported, unhealthy) instead of exiting 1",
      )
      .option(
        "--retry-dead-letters",
        "also send again the documents an earlier run's target refused for good (4xx); those " +
          "it pushed back on (429, 5xx) are always sent again",
      )
      .option(
        "--allow-elasticsearch-target",
        "accept an Elasticsearch cluster as the target (the rules adapt for OpenSearch)",
      )
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
      .option(
        "--verify",
        "after the copy, compare every document of the copied indices (as verify --checksums); " +
          "exit 1 when any differs",
      )
      .option("--json", "print the result as JSON on stdout"),
  )).action(async (args: string[], options: RunOptions) => {
    const { pipeline, engine } = interpretArguments(args, options);
    if (engine === "dataprepper") {
      throw new BadInputError(
        "the Data Prepper engine is not available in this version of fetch-migration",
        "add --engine native to copy with the built-in engine (no Data Prepper directory or " +
          "port needed): fetch-migration run --engine native " + (pipeline ?? "<pipeline.yaml>"),
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
  const engine = new NativeEngine(clusters.source, clusters.target, {
    slices: options.slices,
    concurrency: options.concurrency,
    batchBytes: options.batchBytes,
    pageSize: options.pageSize,
    maxAttempts: options.maxAttempts,
    maxDocsPerSecond: options.maxDocsPerSecond,
    tuneTarget: !!options.tuneTarget,
    deadLetterPath: options.deadLetter,
  });
  const printer = new ProgressPrinter({ perIndex: !!options.perIndex });
  using interrupt = interruptOnSignals(() => printer.clear());
  let result: MigrationResult;
  try {
    result = await runMigration(clusterIO(clusters), engine, {
      plan: planOptions(options, endpoints),
      journalPath: options.journal,
      dryrun: !!options.dryrun,
      createOnly: !!options.createonly,
      restart: !!options.restart,
      keepOnFailure: !!options.keepOnFailure,
      skipUnmigratable: !!options.skipUnmigratable,
      retryDeadLetters: !!options.retryDeadLetters,
      allowElasticsearchTarget: !!options.allowElasticsearchTarget,
      signal: interrupt.signal,
      verify: options.verify
        ? async (indices) =>
          (await verifyIndices(clusters.source, clusters.target, indices, { checksums: true }))
            .filter((result) => result.status !== "ok")
            .map((result) => ({ index: result.index, details: indexDetails(result) }))
        : undefined,
    }, (event) => render(event, printer, !!options.dryrun));
  } finally {
    printer.finish();
  }
  printResult(result);
  if (options.json) printJson(resultJson(result));
  if (result.failure) throw result.failure;
}

/**
 * SIGINT/SIGTERM stop the run after what is in flight; a second one stops the process at once
 * (every checkpoint is already on disk, so nothing is lost but the pages in flight).
 */
function interruptOnSignals(beforeMessage: () => void): Disposable & { signal: AbortSignal } {
  const controller = new AbortController();
  const onSignal = () => {
    beforeMessage();
    if (controller.signal.aborted) {
      printHuman(
        "stopped at once; the journal holds the last checkpoints: run the same command again " +
          "to continue",
      );
      Deno.exit(1);
    }
    printHuman(
      "stopping: the requests in flight finish, nothing new starts (Ctrl-C again stops at " +
        "once; nothing is lost either way)",
    );
    controller.abort();
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    [Symbol.dispose]() {
      Deno.removeSignalListener("SIGINT", onSignal);
      Deno.removeSignalListener("SIGTERM", onSignal);
    },
  };
}

function render(event: MigrationEvent, printer: ProgressPrinter, dryrun: boolean): void {
  switch (event.type) {
    case "planned": {
      const { plan, migrating, journalPath } = event;
      if (dryrun) printHuman(formatPlanText(plan));
      const documents = migrating.reduce(
        (sum, name) => sum + (plan.documents.per_index[name] ?? 0),
        0,
      );
      const { create, identical, conflicting } = plan.indices;
      printSummary(
        `${dryrun ? "dry run: would migrate" : "migrating"} ${plural(migrating.length, "index")} ` +
          `(${create.length} to create), ${plural(documents, "document")}; ` +
          `${identical.length} identical with data left as they are, ${conflicting.length} ` +
          `conflicting. journal: ${journalPath}` + (dryrun ? "; nothing was changed" : ""),
      );
      return;
    }
    case "journal-archived":
      return printSummary(`the previous run's journal is now ${event.archivedTo}`);
    case "resuming":
      return printSummary(
        `continuing run ${event.runId} from ${event.journalPath}: ${event.point.done} of ` +
          `${plural(event.point.total, "slice")} done, ${formatCount(event.point.copied)} ` +
          "documents copied (--restart copies everything again)",
      );
    case "restarting":
      return printSummary(
        `restarting the copy of run ${event.runId} from the start of every slice`,
      );
    case "left-out":
      return printSummary(
        `leaving out ${plural(event.indices.length, "index")} the selection excludes: ` +
          event.indices.join(", "),
      );
    case "created":
      for (const t of event.result.transformations) {
        printSummary(`${t.subjectKind} ${t.subject}: ${t.detail} [${t.rule}]`);
      }
      if (event.result.created.length > 0) {
        printSummary(`created ${event.result.created.length} on the target`);
      }
      return;
    case "replayed": {
      const { sent, written, kept } = event.replay;
      return printSummary(
        `sent again ${plural(sent, "document")} an earlier run's target refused: ` +
          `${formatCount(written)} arrived` +
          (kept > 0 ? `; ${formatCount(kept)} refused for good kept (--retry-dead-letters)` : ""),
      );
    }
    case "progress":
      printer.update(event.progress);
      return;
    case "verifying":
      return printSummary(
        `verifying every document of ${plural(event.indices.length, "index")} (--verify)`,
      );
    case "copying":
    case "confirmed":
      return;
  }
}

function printResult(result: MigrationResult): void {
  const copy = result.copy;
  if (!copy || result.status === "interrupted") return;
  const figures = copy.figures as {
    written_this_run?: number;
    elapsed_seconds?: number;
    retried?: number;
    docs_per_second?: number;
  };
  // What the target holds, counted after the copy: the figure a run's success rests on.
  const onTarget = result.counts.reduce((sum, { target }) => sum + (target ?? 0), 0);
  const onSource = result.counts.reduce((sum, { source }) => sum + (source ?? 0), 0);
  printSummary(
    `${formatCount(onTarget)} of ${formatCount(onSource)} documents on the target, in ` +
      plural(result.counts.length, "index") +
      (figures.written_this_run !== undefined
        ? ` (${formatCount(figures.written_this_run)} written this run in ${
          formatDuration(figures.elapsed_seconds ?? 0)
        }, ${formatCount(figures.docs_per_second ?? 0)} docs/s; ` +
          `${formatCount(figures.retried ?? 0)} retried after push-back)`
        : ""),
  );
  printSummary(`journal: ${result.journalPath}`);
}

function resultJson(result: MigrationResult): Record<string, unknown> {
  const copy = result.copy;
  const { slices, elapsed_seconds, docs_per_second, ...documentFigures } = copy?.figures ?? {};
  return {
    status: result.status,
    journal: result.journalPath,
    run_id: result.runId,
    resumed: result.resumed,
    ...(result.status === "dry-run" ? { ...planToJson(result.plan), dryrun: true } : {}),
    created: result.created,
    migrating: result.indices,
    unmigratable: result.unmigratable,
    ...(copy
      ? {
        documents: {
          expected: copy.expected,
          copied: copy.copied,
          ...documentFigures,
          dead_lettered: copy.deadLettered,
          dead_letter_reasons: copy.deadLetterReasons,
          per_index: copy.perIndex,
        },
        slices,
        elapsed_seconds,
        docs_per_second,
        dead_letter_file: copy.deadLetterFile,
        interrupted: copy.interrupted,
        not_restored: copy.notRestored,
      }
      : {}),
    counts: result.counts,
    ...(result.failure
      ? {
        failure: {
          kind: result.failure.errorKind,
          message: result.failure.message,
          hint: result.failure.hint,
        },
      }
      : {}),
  };
}

/**
 * What `run` shows: the events of a launched run (src/launch/run.ts) as text on stderr (a live
 * progress line over every pipeline, one line per step), and its results as text or, with
 * `--json`, JSON on stdout.
 */
import { formatCount, formatDuration } from "../backfill/progress.ts";
import { FetchMigrationError } from "../errors.ts";
import type { LaunchEvent, PipelineOutcome } from "../launch/run.ts";
import { formatPlanText, planToJson } from "../metadata/report.ts";
import { type CommandStatus, oneDecimal } from "../vocabulary.ts";
import type { MigrationEvent, MigrationResult } from "../migrate/run.ts";
import { plural } from "../text.ts";
import { isVerbose, printHuman, printJson, printSummary } from "./output.ts";
import { CombinedProgress, CreationProgress } from "./progress.ts";

/** The flags that change what is shown. */
interface ShowOptions {
  dryrun?: boolean;
  perIndex?: boolean;
  json?: boolean;
  jsonDetail?: boolean;
}

/** Renders a launched run's events, in order, as they come. */
export function renderer(show: ShowOptions): (event: LaunchEvent) => void {
  let progress: CombinedProgress | undefined;
  let several = false;
  // Named again when a second Ctrl-C ends the process at once.
  const journals: string[] = [];
  return (event) => {
    switch (event.type) {
      case "pipelines":
        several = event.names.length > 1;
        progress = new CombinedProgress(event.names, !!show.perIndex);
        return;
      case "serving":
        return printHuman(
          `status page at ${event.url}/ (JSON at ${event.url}/status.json); Data Prepper's ` +
            `metrics at ${event.url}/metrics/prometheus (and /metrics/sys, /list); ` +
            `POST ${event.url}/shutdown stops the run as Ctrl-C does`,
        );
      case "serving-page":
        return printHuman(
          `status page at ${event.url}/ (JSON at ${event.url}/status.json); Data Prepper ` +
            "serves its own metrics",
        );
      case "stopping":
        progress?.clear();
        return printHuman(
          event.by === "shutdown"
            ? "stopping (POST /shutdown): the requests in flight finish, nothing new starts; the " +
              "same command continues from the checkpoints"
            : "stopping: the requests in flight finish, nothing new starts (Ctrl-C again stops at " +
              "once; nothing is lost either way)",
        );
      case "stopped-at-once":
        progress?.clear();
        return printHuman(
          "stopped at once; the journal holds the last checkpoints: run the same command again " +
            "to continue" +
            journals.map((path) =>
              `; journal ${path} (undo with \`fetch-migration rollback --journal ${path}\`)`
            ).join(""),
        );
      case "migration":
        if (event.event.type === "planned") journals.push(event.event.journalPath);
        if (event.event.type === "progress") {
          return progress?.update(event.pipeline, event.event.progress);
        }
        // Text never glues onto the live progress line: clear it; the next update redraws it.
        progress?.clear();
        return render(event.event, !!show.dryrun, several ? event.pipeline : undefined);
      case "pipeline-ended":
        return progress?.ended(event.pipeline);
      case "results":
        progress?.finish();
        return printResults(event.outcomes, several, show);
      case "serving-final":
        return printHuman(
          `the copy is over; serving the final status (${event.url}/) and metrics ` +
            `(${event.url}/metrics/prometheus) until ` +
            `POST ${event.url}/shutdown, SIGINT or SIGTERM (--exit-when-done exits at once)`,
        );
      case "pipeline-failed":
        printHuman(`pipeline ${event.pipeline}: ${event.failure.message}`);
        if (event.failure.hint) {
          printHuman(`pipeline ${event.pipeline}: hint: ${event.failure.hint}`);
        }
        return;
    }
  };
}

function printResults(outcomes: PipelineOutcome[], several: boolean, show: ShowOptions): void {
  const json = !!show.json || !!show.jsonDetail;
  const detail = !!show.jsonDetail;
  for (const { name, result } of outcomes) {
    if (result) printResult(result, several ? name : undefined);
  }
  if (!json) return;
  if (!several) {
    if (outcomes[0].result) printJson(resultJson(outcomes[0].result, detail));
    return;
  }
  printJson({
    pipelines: outcomes.map(({ name, result, error }) => ({
      name,
      ...(result ? resultJson(result, detail) : { status: "failed", failure: failureJson(error) }),
    })),
  });
}

function failureJson(error: unknown): Record<string, unknown> {
  return error instanceof FetchMigrationError
    ? { kind: error.errorKind, message: error.message, hint: error.hint }
    : { kind: "internal", message: error instanceof Error ? error.message : String(error) };
}

const creationProgress = new CreationProgress();

function render(event: MigrationEvent, dryrun: boolean, pipeline?: string): void {
  // With several pipelines, each line says whose it is.
  const tag = pipeline === undefined ? "" : `[${pipeline}] `;
  const summary = (text: string) => printSummary(tag + text);
  switch (event.type) {
    case "planned": {
      const { plan, migrating, journalPath } = event;
      if (dryrun) printHuman(tag + formatPlanText(plan, { all: isVerbose() }));
      const documents = migrating.reduce(
        (sum, name) => sum + (plan.documents.per_index[name] ?? 0),
        0,
      );
      const { create, identical, conflicting } = plan.indices;
      summary(
        `${dryrun ? "dry run: would migrate" : "migrating"} ${plural(migrating.length, "index")} ` +
          `(${create.length} to create), ${plural(documents, "document")}; ` +
          `${identical.length} identical with data left as they are, ${conflicting.length} ` +
          `conflicting. journal: ${journalPath}` + (dryrun ? "; nothing was changed" : ""),
      );
      if (plan.left_out.length > 0) {
        summary(
          `left out by default: ${plural(plan.left_out.length, "hidden index")} (` +
            plan.left_out.map(({ name }) => name).join(", ") + "); --include-hidden takes them",
        );
      }
      return;
    }
    case "journal-archived":
      return summary(`the previous run's journal is now ${event.archivedTo}`);
    case "resuming":
      return summary(
        `continuing run ${event.runId} from ${event.journalPath}: ${event.point.done} of ` +
          `${plural(event.point.total, "slice")} done, ${formatCount(event.point.copied)} ` +
          "documents copied (--restart copies everything again)",
      );
    case "restarting":
      return summary(`restarting the copy of run ${event.runId} from the start of every slice`);
    case "left-out":
      return summary(
        `leaving out ${plural(event.indices.length, "index")} the selection excludes: ` +
          event.indices.join(", "),
      );
    case "creating":
      creationProgress.update(event.done, event.total);
      return;
    case "created":
      for (const t of event.result.transformations) {
        summary(`${t.subjectKind} ${t.subject}: ${t.detail} [${t.rule}]`);
      }
      if (event.result.created.length > 0) {
        summary(`created ${event.result.created.length} on the target`);
      }
      return;
    case "replayed": {
      const { sent, written, kept } = event.replay;
      return summary(
        `sent again ${plural(sent, "document")} an earlier run's target refused: ` +
          `${formatCount(written)} arrived` +
          (kept > 0 ? `; ${formatCount(kept)} refused for good kept (--retry-dead-letters)` : ""),
      );
    }
    case "verifying":
      return summary(
        `verifying every document of ${plural(event.indices.length, "index")} (--verify)`,
      );
    case "note":
      return printHuman(tag + event.message);
    case "progress":
    case "copying":
    case "confirmed":
      return;
  }
}

function printResult(result: MigrationResult, pipeline?: string): void {
  const tag = pipeline === undefined ? "" : `[${pipeline}] `;
  if (result.skipped.length > 0) {
    printSummary(
      `${tag}left alone on request (--skip-unmigratable): ` +
        result.skipped.map(({ name, reason }) => `${name} (${reason})`).join("; "),
    );
  }
  const copy = result.copy;
  if (!copy || result.status === "interrupted") return;
  const figures = copy.figures as {
    written_this_run?: number;
    elapsed_seconds?: number;
    retried?: number;
    docs_per_second?: number;
  };
  if (result.summary) {
    // A part: whole-index counts are known once every part is done.
    printSummary(`${tag}${result.summary}`);
    printSummary(`${tag}journal: ${result.journalPath}`);
    return;
  }
  // What the target holds, counted after the copy: the figure a run's success rests on.
  const onTarget = result.counts.reduce((sum, { target }) => sum + (target ?? 0), 0);
  const onSource = result.counts.reduce((sum, { source }) => sum + (source ?? 0), 0);
  printSummary(
    `${tag}${formatCount(onTarget)} of ${formatCount(onSource)} documents on the target, in ` +
      plural(result.counts.length, "index") +
      (figures.written_this_run !== undefined
        ? ` (${formatCount(figures.written_this_run)} written this run in ${
          formatDuration(figures.elapsed_seconds ?? 0)
        }, ${formatCount(figures.docs_per_second ?? 0)} docs/s; ` +
          `${formatCount(figures.retried ?? 0)} retried after push-back)`
        : ""),
  );
  printSummary(`${tag}journal: ${result.journalPath}`);
}

/** `run`'s status words (docs/json.md). */
const RUN_STATUS: Record<MigrationResult["status"], CommandStatus> = {
  completed: "succeeded",
  incomplete: "failed",
  interrupted: "interrupted",
  "dry-run": "dry_run",
};

function resultJson(result: MigrationResult, detail: boolean): Record<string, unknown> {
  const copy = result.copy;
  const { slices, elapsed_seconds, docs_per_second, ...documentFigures } = copy?.figures ?? {};
  const dryRun = result.status === "dry-run";
  const plan = planToJson(result.plan, { detail });
  return {
    status: RUN_STATUS[result.status],
    dry_run: dryRun,
    source: plan.source,
    target: plan.target,
    journal: result.journalPath,
    run_id: result.runId,
    resumed: result.resumed,
    ...(result.part ? { part: result.part, summary: result.summary } : {}),
    ...(dryRun ? plan : {}),
    created: result.created,
    migrating: result.indices,
    unmigratable: result.unmigratable,
    skipped: result.skipped,
    left_out: result.plan.left_out,
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
        elapsed_seconds: oneDecimal(Number(elapsed_seconds ?? 0)),
        docs_per_second: oneDecimal(Number(docs_per_second ?? 0)),
        dead_letter_file: copy.deadLetterFile,
        interrupted: copy.interrupted,
        not_restored: copy.notRestored,
      }
      : {}),
    counts: result.counts.map(({ index, source, target }) => ({
      index,
      source_count: source,
      target_count: target,
    })),
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

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
import { counted, printVerdict, runVerdict } from "./verdict.ts";

/** The flags that change what is shown. */
interface ShowOptions {
  dryrun?: boolean;
  perIndex?: boolean;
  json?: boolean;
  jsonDetail?: boolean;
  /** Print each run's verdict line after its figures (default); sync prints its own. */
  verdict?: boolean;
}

/** Renders a launched run's events, in order, as they come. */
export function renderer(show: ShowOptions): (event: LaunchEvent) => void {
  let progress: CombinedProgress | undefined;
  let several = false;
  // Each pipeline's header waits for the next event: a continued run's says what is left.
  const headers = new Map<string, Planned>();
  const flush = (pipeline: string, resuming?: Resuming) => {
    const planned = headers.get(pipeline);
    if (!planned) return false;
    headers.delete(pipeline);
    printHeader(planned, resuming, several ? pipeline : undefined);
    return true;
  };
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
        if (event.event.type === "planned" && !show.dryrun) {
          headers.set(event.pipeline, event.event);
          return;
        }
        if (flush(event.pipeline, asResuming(event.event))) {
          if (event.event.type === "resuming") return;
        }
        return render(event.event, !!show.dryrun, several ? event.pipeline : undefined);
      case "pipeline-ended":
        flush(event.pipeline);
        return progress?.ended(event.pipeline);
      case "results":
        for (const pipeline of [...headers.keys()]) flush(pipeline);
        progress?.finish();
        return printResults(event.outcomes, several, show);
      case "serving-final":
        return printHuman(
          `the copy is over; serving the final status (${event.url}/) and metrics ` +
            `(${event.url}/metrics/prometheus) until ` +
            `POST ${event.url}/shutdown, SIGINT or SIGTERM (--exit-when-done exits at once)`,
        );
      case "pipeline-failed":
        flush(event.pipeline);
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
  const verdict = show.verdict ?? true;
  for (const { name, result, error } of outcomes) {
    const tag = several ? `[${name}] ` : "";
    if (result) printFigures(result, several ? name : undefined);
    if (verdict && result) printVerdict(runVerdict(result), tag);
    else if (verdict && several && error) {
      printVerdict({ ok: false, text: failureJson(error).message as string }, tag);
    }
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

type Planned = Extract<MigrationEvent, { type: "planned" }>;
type Resuming = Extract<MigrationEvent, { type: "resuming" }>;

function asResuming(event: MigrationEvent): Resuming | undefined {
  return event.type === "resuming" ? event : undefined;
}

/**
 * The run's header: what it migrates and where its journal is. A continued run's says what is
 * left (expected less what the journal's checkpoints say was written) and what was done before,
 * not the plan's whole count as if nothing had been copied.
 */
function printHeader(
  event: Planned,
  resuming: Resuming | undefined,
  pipeline?: string,
  dryrun = false,
): void {
  const tag = pipeline === undefined ? "" : `[${pipeline}] `;
  const { plan, migrating, journalPath } = event;
  if (resuming) return printSummary(tag + resumedHeader(resuming, migrating.length));
  const documents = migrating.reduce(
    (sum, name) => sum + (plan.documents.per_index[name] ?? 0),
    0,
  );
  const { create, identical, conflicting } = plan.indices;
  printSummary(
    tag +
      `${dryrun ? "dry run: would migrate" : "migrating"} ${plural(migrating.length, "index")} ` +
      `(${create.length} to create), ${plural(documents, "document")}; ` +
      `${identical.length} identical with data left as they are, ${conflicting.length} ` +
      `conflicting. journal: ${journalPath}` + (dryrun ? "; nothing was changed" : ""),
  );
  printLeftOut(event, tag);
}

/** `continuing run X: 1,500 documents left of 8,574 in 3 indices (7,074 already written...)`. */
export function resumedHeader(event: Resuming, indices?: number): string {
  const { point } = event;
  const start = `continuing run ${event.runId} from ${event.journalPath}: `;
  const restart = " (--restart copies everything again)";
  const slices = `${point.done} of ${plural(point.total, "slice")} done`;
  if (point.expected === undefined) {
    return `${start}${slices}, ${formatCount(point.copied)} documents copied${restart}`;
  }
  const left = Math.max(0, point.expected - point.copied);
  const where = indices === undefined ? "" : ` in ${plural(indices, "index")}`;
  return `${start}${counted(left, "document")} left of ${formatCount(point.expected)}${where}` +
    `; already done: ${formatCount(point.copied)} documents ` +
    `written (per the journal's checkpoints), ${slices}${restart}`;
}

function printLeftOut(event: Planned, tag: string): void {
  const { plan } = event;
  if (plan.left_out.length > 0) {
    printSummary(
      tag +
        `left out by default: ${plural(plan.left_out.length, "hidden index")} (` +
        plan.left_out.map(({ name }) => name).join(", ") + "); --include-hidden takes them",
    );
  }
}

const creationProgress = new CreationProgress();

function render(event: MigrationEvent, dryrun: boolean, pipeline?: string): void {
  // With several pipelines, each line says whose it is.
  const tag = pipeline === undefined ? "" : `[${pipeline}] `;
  const summary = (text: string) => printSummary(tag + text);
  switch (event.type) {
    case "planned":
      if (dryrun) printHuman(tag + formatPlanText(event.plan, { all: isVerbose() }));
      return printHeader(event, undefined, pipeline, dryrun);
    case "journal-archived":
      return summary(`the previous run's journal is now ${event.archivedTo}`);
    case "resuming":
      return summary(resumedHeader(event));
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

function printFigures(result: MigrationResult, pipeline?: string): void {
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

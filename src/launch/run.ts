/**
 * A run as `run` launches it: every pipeline of the file at once (one, from flags or a file of
 * one), each with its own engine, clients, journal and series, through the run flow
 * (src/migrate/run.ts); Data Prepper's HTTP interface served meanwhile with `--metrics-port`;
 * SIGINT, SIGTERM and `POST /shutdown` honoured; and the pipelines' failures folded into one.
 * It tells what happens through events and throws what the runs decided; the command renders.
 */
import { PipelineMetrics, serveMetrics } from "../backfill/metrics-server.ts";
import { seriesPrefix } from "../backfill/metrics-text.ts";
import { openClusters } from "../cluster/pair.ts";
import { redactUrl } from "../config/redact.ts";
import { FLAGS_PIPELINE_NAME, type MigrationEndpoints } from "../config/types.ts";
import { BadInputError, FetchMigrationError } from "../errors.ts";
import { checkDeadLetterFlag, checkJournalFlag, pathState } from "../journal/file-flags.ts";
import { runFiles } from "../journal/run-journal.ts";
import { planOptions, type SelectionFlags } from "../metadata/selection.ts";
import { clusterIO } from "../migrate/io.ts";
import { serveStatusPage } from "../migrate/serve.ts";
import {
  type MigrationEvent,
  type MigrationOptions,
  type MigrationResult,
  runMigration,
} from "../migrate/run.ts";
import { plural } from "../text.ts";
import { indexDetails } from "../verify/report.ts";
import { verifyIndices } from "../verify/verify.ts";
import { buildEngine, type EngineChoice } from "./engines.ts";
import { RunStop, type StopEvent } from "./stop.ts";
import { endStatus, feedStatus, LaunchStatus } from "./status.ts";

/** What the operator asked of a run, flags mapped. */
export interface LaunchOptions extends
  Pick<
    MigrationOptions,
    | "dryrun"
    | "createOnly"
    | "restart"
    | "keepOnFailure"
    | "skipUnmigratable"
    | "retryDeadLetters"
    | "allowElasticsearchTarget"
    | "allowOlderTarget"
    | "sourceDuty"
  > {
  /** Every pipeline of the file (or the one picked), or the one pair of the flags. */
  endpoints: MigrationEndpoints[];
  selection: SelectionFlags;
  engine: EngineChoice;
  /** `--journal` as given. */
  journal?: string;
  /** `--dead-letter` as given. */
  deadLetter?: string;
  /** `--verify`: every document of the copied indices compared after the counts. */
  verify: boolean;
}

/** How one pipeline's run ended: its result, or what it threw. */
export interface PipelineOutcome {
  name: string;
  result?: MigrationResult;
  error?: unknown;
}

/** What a launched run tells as it goes. */
export type LaunchEvent =
  | { type: "pipelines"; names: string[] }
  | { type: "serving"; url: string }
  | { type: "serving-page"; url: string }
  | StopEvent
  | { type: "migration"; pipeline: string; event: MigrationEvent }
  | { type: "pipeline-ended"; pipeline: string }
  | { type: "results"; outcomes: PipelineOutcome[] }
  | { type: "serving-final"; url: string }
  | { type: "pipeline-failed"; pipeline: string; failure: FetchMigrationError };

/**
 * Runs every pipeline at once and returns only if every one did everything selected; else
 * throws the failure (one pipeline's, or one naming each that failed). With `--metrics-port`,
 * the final metrics stay served after the copy until `POST /shutdown`, SIGINT or SIGTERM
 * (unless `--exit-when-done`), as Data Prepper does.
 */
export async function launchRun(
  options: LaunchOptions,
  onEvent: (event: LaunchEvent) => void,
): Promise<void> {
  const pipelines = options.endpoints.map((endpoints) => {
    const name = endpoints.pipelineName ?? FLAGS_PIPELINE_NAME;
    return { name, endpoints, metrics: new PipelineMetrics(name) };
  });
  const several = pipelines.length > 1;
  const names = pipelines.map(({ name }) => name);
  await checkFileFlags(options, several ? names : [undefined]);
  if (several && options.engine.kind === "dataprepper") {
    throw new BadInputError(
      `the pipeline file holds ${pipelines.length} pipelines; the Data Prepper engine runs one ` +
        "per run (it splits that one itself with --pipelines K)",
      "pick one with --pipeline-name NAME",
    );
  }
  const metrics = options.engine.kind === "native" ? options.engine.metrics : undefined;
  if (metrics) checkSeriesPrefixes(names);
  onEvent({ type: "pipelines", names });
  using stop = new RunStop(onEvent);
  const status = new LaunchStatus(
    pipelines.map(({ name, endpoints }) => ({
      name,
      source: redactUrl(endpoints.source.url),
      target: redactUrl(endpoints.target.url),
    })),
    Date.now(),
  );
  await using server = metrics && serveMetrics({
    hostname: metrics.host,
    port: metrics.port,
    pipelines: pipelines.map(({ metrics }) => metrics),
    onShutdown: () => stop.stop("shutdown"),
    status: () => status.json(Date.now()),
  });
  if (server) onEvent({ type: "serving", url: server.url });
  const statusPage = options.engine.kind === "dataprepper" ? options.engine.statusPage : undefined;
  await using page = statusPage && serveStatusPage(statusPage, () => status.json(Date.now()));
  if (page) onEvent({ type: "serving-page", url: page.url });
  const outcomes = await Promise.all(pipelines.map(async (pipeline): Promise<PipelineOutcome> => {
    const { name } = pipeline;
    try {
      const result = await runPipeline(pipeline, options, several, stop.signal, (event) => {
        if (event.type === "progress") pipeline.metrics.update(event.progress);
        feedStatus(status.board(name), event, Date.now());
        onEvent({ type: "migration", pipeline: name, event });
      });
      endStatus(status.board(name), { result }, stop.stopped);
      return { name, result };
    } catch (error) {
      endStatus(status.board(name), { error }, stop.stopped);
      return { name, error };
    } finally {
      pipeline.metrics.finish();
      onEvent({ type: "pipeline-ended", pipeline: name });
    }
  }));
  onEvent({ type: "results", outcomes });
  // A pipeline that failed (rather than ran to its end) ends the process, as Data Prepper's
  // default shutdown does.
  if (
    server && !metrics!.exitWhenDone && !stop.stopped && !options.dryrun && !options.createOnly &&
    outcomes.every(({ error }) => error === undefined)
  ) {
    onEvent({ type: "serving-final", url: server.url });
    await stop.over();
  }
  throwFailures(outcomes, several, onEvent);
}

/** One pipeline's run flow, with its own clients, journal and dead-letter file. */
async function runPipeline(
  pipeline: { name: string; endpoints: MigrationEndpoints },
  options: LaunchOptions,
  several: boolean,
  signal: AbortSignal,
  onEvent: (event: MigrationEvent) => void,
): Promise<MigrationResult> {
  const { name, endpoints } = pipeline;
  using clusters = openClusters(endpoints);
  const part = options.engine.kind === "native" ? options.engine.part : undefined;
  const files = runFiles({
    sourceUrl: clusters.source.url,
    targetUrl: clusters.target.url,
    journal: options.journal,
    deadLetter: options.deadLetter,
    pipelineName: several ? name : undefined,
    part,
  });
  const engine = buildEngine(options.engine, clusters, endpoints, name, files.deadLetter);
  const plan = planOptions(options.selection, endpoints);
  return await runMigration(clusterIO(clusters), engine, {
    dryrun: options.dryrun,
    createOnly: options.createOnly,
    restart: options.restart,
    keepOnFailure: options.keepOnFailure,
    skipUnmigratable: options.skipUnmigratable,
    retryDeadLetters: options.retryDeadLetters,
    allowElasticsearchTarget: options.allowElasticsearchTarget,
    allowOlderTarget: options.allowOlderTarget,
    sourceDuty: options.sourceDuty,
    plan,
    journalPath: files.journal,
    signal,
    part,
    origin: { origin: endpoints.origin, pipelineName: endpoints.pipelineName },
    verify: options.verify
      ? async (indices) =>
        (await verifyIndices(clusters.source, clusters.target, indices, { checksums: true }))
          .filter((result) => result.status !== "ok")
          .map((result) => ({ index: result.index, details: indexDetails(result) }))
      : undefined,
  }, onEvent);
}

/**
 * Refuses, before any cluster is read, a `--journal` or `--dead-letter` that names a directory or
 * a file of something else; with several pipelines, the files each pipeline's name gives.
 */
async function checkFileFlags(
  options: LaunchOptions,
  pipelineNames: Array<string | undefined>,
): Promise<void> {
  for (const pipelineName of pipelineNames) {
    // Paths decided from the flags alone: the URLs only matter for the defaults, not checked.
    const files = runFiles({ sourceUrl: "", targetUrl: "", ...options, pipelineName });
    if (options.journal !== undefined) {
      checkJournalFlag(files.journal, await pathState("--journal", files.journal), "continue");
    }
    if (options.deadLetter !== undefined) {
      checkDeadLetterFlag(files.deadLetter, await pathState("--dead-letter", files.deadLetter));
    }
  }
}

/** Two pipelines whose series would share one name are refused before anything starts. */
function checkSeriesPrefixes(names: string[]): void {
  const seen = new Map<string, string>();
  for (const name of names) {
    const prefix = seriesPrefix(name);
    const other = seen.get(prefix);
    if (other !== undefined) {
      throw new BadInputError(
        `the pipelines ${other} and ${name} would both be served as ${prefix}_... (every ` +
          "character outside a-z, A-Z, 0-9, _ and : becomes _ in a series name)",
        "rename one of them in the pipeline file",
      );
    }
    seen.set(prefix, name);
  }
}

/**
 * Throws what the pipelines' runs decided: nothing when every one did everything. Of several
 * pipelines, each failure is told first, then one error names them all.
 */
export function throwFailures(
  outcomes: PipelineOutcome[],
  several: boolean,
  onEvent: (event: LaunchEvent) => void,
): void {
  const failed = outcomes
    .map(({ name, result, error }) => ({ name, failure: error ?? result?.failure }))
    .filter(({ failure }) => failure !== undefined);
  if (failed.length === 0) return;
  if (!several) throw failed[0].failure;
  // A bug of ours is shown whole, whichever pipeline it came from.
  const bug = failed.find(({ failure }) => !(failure instanceof FetchMigrationError));
  if (bug) throw bug.failure;
  const errors = failed as Array<{ name: string; failure: FetchMigrationError }>;
  if (errors.length === 1) {
    const { name, failure } = errors[0];
    throw new FetchMigrationError(
      failure.errorKind,
      `pipeline ${name}: ${failure.message}`,
      failure.hint,
    );
  }
  for (const { name, failure } of errors) {
    onEvent({ type: "pipeline-failed", pipeline: name, failure });
  }
  throw new FetchMigrationError(
    errors[0].failure.errorKind,
    `${errors.length} of ${plural(outcomes.length, "pipeline")} did not do everything: ` +
      errors.map(({ name, failure }) => `${name} (${failure.errorKind})`).join(", "),
    "see each pipeline's error above; once fixed, the same command runs them all again: " +
      "pipelines that finished find nothing left to copy, the others continue from their journals",
  );
}

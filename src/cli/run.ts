/**
 * `run`: maps the flags to the run flow's options (src/migrate/run.ts), renders its events and
 * its result, and throws the failure it decided on. Nothing here decides whether a run succeeded.
 */
import { type Command, Option } from "../deps.ts";
import { formatCount, formatDuration } from "../backfill/progress.ts";
import { PipelineMetrics, serveMetrics } from "../backfill/metrics-server.ts";
import { FLAGS_PIPELINE_NAME, seriesPrefix } from "../backfill/metrics-text.ts";
import { NativeEngine } from "../backfill/native-engine.ts";
import { DataPrepperEngine, type DataPrepperOptions } from "../dataprepper/engine.ts";
import { openClusters } from "../cluster/pair.ts";
import type { MigrationEndpoints } from "../config/types.ts";
import { BadInputError, FetchMigrationError } from "../errors.ts";
import {
  parsePart,
  partJournalName,
  perPipelinePath,
  runJournalPath,
  type RunPart,
} from "../journal/run-journal.ts";
import { shellWord } from "../migrate/checks.ts";
import { formatPlanText, planToJson } from "../metadata/report.ts";
import type { CopyProgress } from "../migrate/engine.ts";
import { clusterIO } from "../migrate/io.ts";
import { indexDetails } from "../verify/report.ts";
import { verifyIndices } from "../verify/verify.ts";
import { type MigrationEvent, type MigrationResult, runMigration } from "../migrate/run.ts";
import { plural } from "../text.ts";
import {
  addEndpointOptions,
  type EndpointOptionValues,
  resolveAllEndpoints,
} from "./endpoint-options.ts";
import { checkDeadLetterFlag, checkJournalFlag, pathState } from "./file-flags.ts";
import { byteSize, portNumber, positiveInteger, positiveNumber } from "./option-parsers.ts";
import { isVerbose, printHuman, printJson, printSummary } from "./output.ts";
import { type ProgressCounts, ProgressPrinter } from "./progress.ts";
import {
  addSelectionOptions,
  planOptions,
  type SelectionOptionValues,
} from "./selection-options.ts";

/** The options of `run`, as commander hands them over (also what `sync` copies with first). */
export type RunOptions = EndpointOptionValues & SelectionOptionValues & {
  engine?: "native" | "dataprepper";
  dryrun?: boolean;
  createonly?: boolean;
  journal?: string;
  restart?: boolean;
  keepOnFailure?: boolean;
  skipUnmigratable?: boolean;
  retryDeadLetters?: boolean;
  allowElasticsearchTarget?: boolean;
  allowOlderTarget?: boolean;
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
  metricsPort?: number;
  metricsHost: string;
  exitWhenDone?: boolean;
  pipelines: number;
  pollInterval: number;
  idlePolls: number;
  /** Set by the original form `run <data-prepper-dir> <pipeline.yaml> [port]`. */
  dataPrepper?: { home: string; port: number };
  /** `--part k/N` as typed; parsed into `share`. */
  part?: string;
  share?: RunPart;
};

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
          "<data-prepper-dir> <pipeline.yaml> [port] for Data Prepper (where, as in the " +
          "original tool, INLINE_PIPELINE comes before the file and --insecure means that " +
          "Data Prepper's API is plain http)",
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
          "or ~/.local/state/fetch-migration); an unfinished one is continued. A pipeline file " +
          "of several pipelines keeps a journal per pipeline, named after it",
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
      .option(
        "--allow-older-target",
        "accept a target running an older release than the source (OpenSearch 2 into 1...)",
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
        "NDJSON file for documents the target refuses (default next to the journal; one per " +
          "pipeline, named after it, when the file holds several)",
      )
      .option("--per-index", "show progress per index")
      .option(
        "--verify",
        "after the copy, compare every document of the copied indices (as verify --checksums); " +
          "exit 1 when any differs",
      )
      .option(
        "--metrics-port <port>",
        "serve Data Prepper's HTTP API while the native engine runs: Prometheus metrics with " +
          "Data Prepper's series at /metrics/prometheus (and /metrics/sys), /list, and POST " +
          "/shutdown to stop as Ctrl-C does; once the copy is over the final metrics stay " +
          "served until POST /shutdown, SIGINT or SIGTERM",
        portNumber,
      )
      .option("--metrics-host <host>", "address to serve the metrics on", "127.0.0.1")
      .option(
        "--exit-when-done",
        "with --metrics-port: exit as soon as the copy is over instead of serving the final " +
          "metrics",
      )
      .option(
        "--pipelines <k>",
        "Data Prepper: split the indices into k pipelines balanced by size, in one Data Prepper",
        positiveInteger,
        1,
      )
      .option(
        "--poll-interval <seconds>",
        "Data Prepper: seconds between two reads of its metrics",
        positiveNumber,
        30,
      )
      .option(
        "--idle-polls <n>",
        "Data Prepper: polls without any progress before the copy counts as stuck",
        positiveInteger,
        5,
      )
      .option(
        "--part <k/N>",
        "native engine: be one of N processes sharing the selection, copying the primary " +
          "shards that hash to part k (its own journal, resumable on its own); the run succeeds " +
          "when this part's share is copied: verify --checksums once every part is done " +
          "(docs/scale-out.md)",
      )
      .option("--json", "print the result as JSON on stdout"),
  )).action(async (args: string[], options: RunOptions) => {
    const { engine, home, port, ...given } = interpretArguments(args, options);
    const pipeline = inlinePipelineFirst(home, given.pipeline);
    if (home !== undefined && options.insecure) {
      // The original orchestrator's --insecure: its Data Prepper serves plain http (as the one
      // this writes the config of does). It never meant skipping the clusters' certificates.
      options.insecure = false;
      printSummary(
        "--insecure: Data Prepper's API is plain http, as with the original tool; the " +
          "clusters' certificates are still verified (--source-insecure/--target-insecure, " +
          "or insecure: true in the pipeline, skip that)",
      );
    }
    if (options.part !== undefined) options.share = partOption(options, engine);
    if (engine === "dataprepper") {
      if (home === undefined) {
        throw new BadInputError(
          "--engine dataprepper needs the Data Prepper directory",
          "use the original form: fetch-migration run <data-prepper-dir> <pipeline.yaml> [port]",
        );
      }
      if (options.metricsPort !== undefined) {
        throw new BadInputError(
          "--metrics-port is for the native engine: Data Prepper serves its own metrics",
          `leave it out; Data Prepper's are at http://127.0.0.1:${port}/metrics/prometheus`,
        );
      }
      options.dataPrepper = { home, port };
    } else if (options.pipelines > 1) {
      throw new BadInputError(
        "--pipelines is for Data Prepper; the native engine spreads its reads with --slices",
        "leave it out, or raise --slices",
      );
    }
    await runNative({ ...options, pipeline });
  });
}

/**
 * `--part k/N`, checked against the flags it cannot go with: Data Prepper (it keeps no journal
 * to continue a part from), and `--tune-target` (each part would record the settings another
 * part tuned as those to restore).
 */
function partOption(options: RunOptions, engine: "native" | "dataprepper"): RunPart {
  const part = parsePart(options.part!);
  if (engine === "dataprepper") {
    throw new BadInputError(
      "--part is for the native engine; Data Prepper nodes share a migration through " +
        "`fetch-migration plan --split N --out DIR`",
      "add --engine native, or split the plan for Data Prepper (docs/scale-out.md)",
    );
  }
  if (options.tuneTarget) {
    throw new BadInputError(
      "--tune-target cannot go with --part: each part would record the settings another part " +
        "tuned as the ones to restore",
      "leave it out; set refresh_interval and replicas on the target before the parts start " +
        "and after they are all done",
    );
  }
  return part;
}

/** The `verify --checksums` command that checks, once every part is done, what a part copied. */
function partVerifyCommand(options: RunOptions, endpoints: MigrationEndpoints): string {
  const words = ["fetch-migration", "verify", "--checksums"];
  if (endpoints.origin === "flags") {
    words.push("--source", endpoints.source.url, "--target", endpoints.target.url);
  } else if (endpoints.origin !== "INLINE_PIPELINE") {
    words.push("--pipeline", endpoints.origin);
    if (endpoints.pipelineName !== undefined) words.push("--pipeline-name", endpoints.pipelineName);
  }
  for (const glob of options.include ?? []) words.push("--include", glob);
  for (const glob of options.exclude ?? []) words.push("--exclude", glob);
  if (options.allowRed) words.push("--allow-red");
  return words.map(shellWord).join(" ");
}

/**
 * In the original orchestrator's form, `INLINE_PIPELINE` is the pipeline when it is set, as it
 * was for the original tool (which wrote it over the file): its image starts with
 * `/code/input.yaml` on the command line and the pipeline in the environment. The file is then
 * neither read nor written.
 */
function inlinePipelineFirst(home: string | undefined, file: string | undefined) {
  if (home === undefined || !Deno.env.get("INLINE_PIPELINE")) return file;
  printHuman(
    `the pipeline is INLINE_PIPELINE (it comes before ${file}, as with the original tool)`,
  );
  return undefined;
}

/** Reads the positional arguments in either form. */
function interpretArguments(
  args: string[],
  options: RunOptions,
): { pipeline?: string; engine: "native" | "dataprepper"; home?: string; port: number } {
  if (args.length > 3) throw new BadInputError(`too many arguments: ${args.join(" ")}`);
  if (args.length >= 2) {
    // The original orchestrator: <data-prepper-dir> <pipeline.yaml> [port].
    if (options.pipeline) throw new BadInputError("the pipeline is given twice", "give it once");
    const port = args[2] === undefined ? 4900 : Number(args[2]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new BadInputError(
        `the Data Prepper port "${args[2]}" is not a port number`,
        "give its serverPort, e.g. 4900",
      );
    }
    return { pipeline: args[1], engine: options.engine ?? "dataprepper", home: args[0], port };
  }
  if (args.length === 1 && options.pipeline) {
    throw new BadInputError(
      "the pipeline is given twice (argument and --pipeline)",
      "give it once",
    );
  }
  return { pipeline: args[0] ?? options.pipeline, engine: options.engine ?? "native", port: 4900 };
}

/** One pipeline of a run: its endpoints and the name its journal and series go by. */
interface PipelineRun {
  name: string;
  endpoints: MigrationEndpoints;
  metrics: PipelineMetrics;
}

/** How one pipeline's run ended: its result, or what it threw. */
interface PipelineOutcome {
  name: string;
  result?: MigrationResult;
  error?: unknown;
}

/**
 * Runs every pipeline of the file at once (one, from flags or a file of one), each with its own
 * run flow, journal and series, and exits 0 only if every one did everything selected. With
 * `--metrics-port`, Data Prepper's HTTP API is served meanwhile, and after the copy until
 * `POST /shutdown`, SIGINT or SIGTERM (unless `--exit-when-done`).
 */
export async function runNative(options: RunOptions): Promise<void> {
  const all = await resolveAllEndpoints(options);
  const pipelines: PipelineRun[] = all.map((endpoints) => {
    const name = endpoints.pipelineName ?? FLAGS_PIPELINE_NAME;
    return { name, endpoints, metrics: new PipelineMetrics(name) };
  });
  const several = pipelines.length > 1;
  await checkFileFlags(options, several ? pipelines.map(({ name }) => name) : [undefined]);
  if (several && options.dataPrepper) {
    throw new BadInputError(
      `the pipeline file holds ${pipelines.length} pipelines; the Data Prepper engine runs one ` +
        "per run (it splits that one itself with --pipelines K)",
      "pick one with --pipeline-name NAME",
    );
  }
  if (options.metricsPort !== undefined) checkSeriesPrefixes(pipelines.map(({ name }) => name));
  const progress = new CombinedProgress(pipelines.map(({ name }) => name), !!options.perIndex);
  using stop = new RunStop(() => progress.clear());
  await using server = options.metricsPort === undefined ? undefined : serveMetrics({
    hostname: options.metricsHost,
    port: options.metricsPort,
    pipelines: pipelines.map(({ metrics }) => metrics),
    onShutdown: () => stop.stop("shutdown"),
  });
  if (server) {
    printHuman(
      `serving Data Prepper's metrics at ${server.url}/metrics/prometheus (and /metrics/sys, ` +
        `/list); POST ${server.url}/shutdown stops the run as Ctrl-C does`,
    );
  }
  let outcomes: PipelineOutcome[];
  try {
    outcomes = await Promise.all(pipelines.map(async (pipeline): Promise<PipelineOutcome> => {
      try {
        return {
          name: pipeline.name,
          result: await runPipeline(pipeline, options, several, stop, progress),
        };
      } catch (error) {
        return { name: pipeline.name, error };
      } finally {
        pipeline.metrics.finish();
        progress.ended(pipeline.name);
      }
    }));
  } finally {
    progress.finish();
  }
  for (const { name, result } of outcomes) {
    if (result) printResult(result, several ? name : undefined);
  }
  if (options.json) {
    if (!several) {
      if (outcomes[0].result) printJson(resultJson(outcomes[0].result));
    } else {
      printJson({
        pipelines: outcomes.map(({ name, result, error }) => ({
          name,
          ...(result ? resultJson(result) : { status: "failed", failure: failureJson(error) }),
        })),
      });
    }
  }
  // As Data Prepper does, the final metrics stay up until asked to stop; a pipeline that failed
  // (rather than ran to its end) ends the process, as Data Prepper's default shutdown does.
  if (
    server && !options.exitWhenDone && !stop.stopped && !options.dryrun && !options.createonly &&
    outcomes.every(({ error }) => error === undefined)
  ) {
    printHuman(
      `the copy is over; serving the final metrics at ${server.url}/metrics/prometheus until ` +
        `POST ${server.url}/shutdown, SIGINT or SIGTERM (--exit-when-done exits at once)`,
    );
    await stop.over();
  }
  throwFailures(outcomes, several);
}

/**
 * Refuses, before any cluster is read, a `--journal` or `--dead-letter` that names a directory or
 * a file of something else; with several pipelines, the files each pipeline's name gives.
 */
async function checkFileFlags(
  options: RunOptions,
  pipelineNames: Array<string | undefined>,
): Promise<void> {
  for (const name of pipelineNames) {
    const own = (path: string) => name === undefined ? path : perPipelinePath(path, name);
    if (options.journal !== undefined) {
      const path = own(options.journal);
      checkJournalFlag(path, await pathState("--journal", path), "continue");
    }
    if (options.deadLetter !== undefined) {
      const path = own(options.deadLetter);
      checkDeadLetterFlag(path, await pathState("--dead-letter", path));
    }
  }
}

/** One pipeline's run flow, with its own clients, journal and dead-letter file. */
async function runPipeline(
  pipeline: PipelineRun,
  options: RunOptions,
  several: boolean,
  stop: RunStop,
  progress: CombinedProgress,
): Promise<MigrationResult> {
  const { name, endpoints, metrics } = pipeline;
  using clusters = openClusters(endpoints);
  // Several pipelines of one file: a journal (and dead-letter file) each, named after it.
  const own = (path: string | undefined) => path && several ? perPipelinePath(path, name) : path;
  const engine = options.dataPrepper
    ? new DataPrepperEngine(clusters.source, {
      home: options.dataPrepper.home,
      port: options.dataPrepper.port,
      pipeline: dataPrepperPipelineInput(endpoints, name),
      pipelines: options.pipelines,
      pollIntervalMs: options.pollInterval * 1000,
      idlePolls: options.idlePolls,
    })
    : new NativeEngine(clusters.source, clusters.target, {
      slices: options.slices,
      concurrency: options.concurrency,
      batchBytes: options.batchBytes,
      pageSize: options.pageSize,
      maxAttempts: options.maxAttempts,
      maxDocsPerSecond: options.maxDocsPerSecond,
      tuneTarget: !!options.tuneTarget,
      deadLetterPath: own(options.deadLetter),
      part: options.share,
    });
  const tag = several ? name : undefined;
  return await runMigration(clusterIO(clusters), engine, {
    plan: planOptions(options, endpoints),
    journalPath: own(options.journal) ??
      (several
        ? runJournalPath(
          clusters.source.url,
          clusters.target.url,
          undefined,
          options.share ? partJournalName(options.share, name) : name,
        )
        : undefined),
    dryrun: !!options.dryrun,
    createOnly: !!options.createonly,
    restart: !!options.restart,
    keepOnFailure: !!options.keepOnFailure,
    skipUnmigratable: !!options.skipUnmigratable,
    retryDeadLetters: !!options.retryDeadLetters,
    allowElasticsearchTarget: !!options.allowElasticsearchTarget,
    allowOlderTarget: !!options.allowOlderTarget,
    signal: stop.signal,
    part: options.share && {
      ...options.share,
      verifyCommand: partVerifyCommand(options, endpoints),
    },
    verify: options.verify
      ? async (indices) =>
        (await verifyIndices(clusters.source, clusters.target, indices, { checksums: true }))
          .filter((result) => result.status !== "ok")
          .map((result) => ({ index: result.index, details: indexDetails(result) }))
      : undefined,
  }, (event) => {
    if (event.type === "progress") {
      metrics.update(event.progress);
      progress.update(name, event.progress);
    } else {
      // Text never glues onto the live progress line: clear it; the next update redraws it.
      progress.clear();
      render(event, !!options.dryrun, tag);
    }
  });
}

/**
 * What Data Prepper's pipeline is written from: the user's pipeline (a file or
 * `INLINE_PIPELINE`), whose keys and comments are kept, else the endpoints of the flags.
 */
function dataPrepperPipelineInput(
  endpoints: MigrationEndpoints,
  name: string,
): DataPrepperOptions["pipeline"] {
  const { origin, pipelineText } = endpoints;
  if (pipelineText === undefined) {
    return {
      endpoints: { source: endpoints.source, target: endpoints.target },
      pipelineName: name,
    };
  }
  return {
    original: { text: pipelineText, origin, pipeline: endpoints.pipelineName },
    pipelineName: name,
  };
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

/** Throws what the pipelines' runs decided: nothing when every one did everything. */
function throwFailures(outcomes: PipelineOutcome[], several: boolean): void {
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
    printHuman(`pipeline ${name}: ${failure.message}`);
    if (failure.hint) printHuman(`pipeline ${name}: hint: ${failure.hint}`);
  }
  throw new FetchMigrationError(
    errors[0].failure.errorKind,
    `${errors.length} of ${plural(outcomes.length, "pipeline")} did not do everything: ` +
      errors.map(({ name, failure }) => `${name} (${failure.errorKind})`).join(", "),
    "see each pipeline's error above; once fixed, the same command runs them all again: " +
      "pipelines that finished find nothing left to copy, the others continue from their journals",
  );
}

function failureJson(error: unknown): Record<string, unknown> {
  return error instanceof FetchMigrationError
    ? { kind: error.errorKind, message: error.message, hint: error.hint }
    : { kind: "internal", message: error instanceof Error ? error.message : String(error) };
}

/**
 * The progress line of every pipeline together: drawn once each pipeline has reported or
 * ended, so the total it is measured against is the total of all.
 */
class CombinedProgress {
  readonly #printer: ProgressPrinter;
  readonly #latest = new Map<string, CopyProgress>();
  readonly #waiting: Set<string>;

  constructor(readonly names: string[], perIndex: boolean) {
    this.#printer = new ProgressPrinter({ perIndex });
    this.#waiting = new Set(names);
  }

  update(name: string, progress: CopyProgress): void {
    this.#latest.set(name, progress);
    this.#waiting.delete(name);
    this.#draw();
  }

  /** The pipeline's run is over (it may never have copied). */
  ended(name: string): void {
    this.#waiting.delete(name);
  }

  clear(): void {
    this.#printer.clear();
  }

  finish(): void {
    this.#printer.finish();
  }

  #draw(): void {
    if (this.#waiting.size > 0) return;
    if (this.names.length === 1) {
      this.#printer.update(this.#latest.get(this.names[0])!);
      return;
    }
    const sum: ProgressCounts & { perIndex: NonNullable<ProgressCounts["perIndex"]> } = {
      copied: 0,
      expected: 0,
      perIndex: {},
    };
    for (const [name, progress] of this.#latest) {
      sum.copied += progress.copied;
      sum.expected += progress.expected;
      for (const [index, counts] of Object.entries(progress.perIndex)) {
        sum.perIndex[`${name}/${index}`] = counts;
      }
    }
    this.#printer.update(sum);
  }
}

/**
 * How a run is stopped: SIGINT, SIGTERM or `POST /shutdown` stop the copy after what is in
 * flight (a second signal stops the process at once; every checkpoint is already on disk, so
 * nothing is lost but the pages in flight). Once the copy is over, the next one ends the wait
 * of {@link over}.
 */
class RunStop implements Disposable {
  readonly #controller = new AbortController();
  #over?: PromiseWithResolvers<void>;
  readonly #onSignal = () => this.stop("signal");

  constructor(readonly beforeMessage: () => void) {
    Deno.addSignalListener("SIGINT", this.#onSignal);
    Deno.addSignalListener("SIGTERM", this.#onSignal);
  }

  /** The run flow's stop. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Whether the copy was asked to stop. */
  get stopped(): boolean {
    return this.#controller.signal.aborted;
  }

  stop(by: "signal" | "shutdown"): void {
    if (this.#over) {
      this.#over.resolve();
      return;
    }
    if (this.#controller.signal.aborted) {
      // Asking again over HTTP changes nothing; a second Ctrl-C means now.
      if (by === "shutdown") return;
      this.beforeMessage();
      printHuman(
        "stopped at once; the journal holds the last checkpoints: run the same command again " +
          "to continue",
      );
      Deno.exit(1);
    }
    this.beforeMessage();
    printHuman(
      by === "shutdown"
        ? "stopping (POST /shutdown): the requests in flight finish, nothing new starts; the " +
          "same command continues from the checkpoints"
        : "stopping: the requests in flight finish, nothing new starts (Ctrl-C again stops at " +
          "once; nothing is lost either way)",
    );
    this.#controller.abort();
  }

  /** Waits for the next SIGINT, SIGTERM or `POST /shutdown`, the copy being over. */
  over(): Promise<void> {
    this.#over = Promise.withResolvers<void>();
    return this.#over.promise;
  }

  [Symbol.dispose](): void {
    Deno.removeSignalListener("SIGINT", this.#onSignal);
    Deno.removeSignalListener("SIGTERM", this.#onSignal);
  }
}

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

function resultJson(result: MigrationResult): Record<string, unknown> {
  const copy = result.copy;
  const { slices, elapsed_seconds, docs_per_second, ...documentFigures } = copy?.figures ?? {};
  return {
    status: result.status,
    journal: result.journalPath,
    run_id: result.runId,
    resumed: result.resumed,
    ...(result.part ? { part: result.part, summary: result.summary } : {}),
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

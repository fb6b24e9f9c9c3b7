/**
 * `run`: maps the flags (and the original tool's positional form) to the options of a launched
 * run (src/launch/run.ts) and renders what it tells (run-output.ts). Nothing here decides
 * whether a run succeeded.
 */
import { type Command, Option } from "../deps.ts";
import { BadInputError } from "../errors.ts";
import { parsePart, type RunPart } from "../journal/run-journal.ts";
import type { TargetTuning } from "../backfill/tune.ts";
import { checkEngineFlags, type EngineChoice } from "../launch/engines.ts";
import { type LaunchOptions, launchRun } from "../launch/run.ts";
import { addCopyOptions, type CopyOptionValues, copyTuningOf } from "./copy-options.ts";
import {
  addEndpointOptions,
  type EndpointOptionValues,
  resolveAllEndpoints,
} from "./endpoint-options.ts";
import { HELP_GROUPS, inGroup, JOURNAL_DEFAULT } from "./help.ts";
import { portNumber, positiveInteger, positiveNumber } from "./option-parsers.ts";
import { printHuman, printSummary } from "./output.ts";
import { renderer } from "./run-output.ts";
import { addSelectionOptions, type SelectionOptionValues } from "./selection-options.ts";

/** The options of `run`, as commander hands them over. */
export type RunOptionValues = EndpointOptionValues & SelectionOptionValues & CopyOptionValues & {
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
  tuneTarget?: boolean;
  deadLetter?: string;
  perIndex?: boolean;
  verify?: boolean;
  json?: boolean;
  jsonDetail?: boolean;
  metricsPort?: number;
  metricsHost: string;
  exitWhenDone?: boolean;
  pipelines: number;
  pollInterval: number;
  idlePolls: number;
  /** `--part k/N` as typed. */
  part?: string;
};

/**
 * Registers `run`: metadata, then the documents, to the end. The original tool's form
 * `run <data-prepper-dir> <pipeline.yaml> [port]` names the Data Prepper engine; the built-in
 * engine takes the endpoints alone (`run [pipeline.yaml]`, `--pipeline`, `--source/--target`).
 */
export function registerRun(program: Command): void {
  const command = program
    .command("run")
    .summary("migrate indices, templates and documents; resumable")
    .description(
      "migrate: compare, create missing indices and templates, copy the documents, count " +
        "them on both sides, and exit 0 only when every selected document arrived. Re-running " +
        "the same command, from any directory, continues from the journal's checkpoints.",
    )
    .argument(
      "[args...]",
      "[pipeline.yaml], or the original form <data-prepper-dir> <pipeline.yaml> [port] that " +
        "runs Data Prepper (INLINE_PIPELINE then comes before the file, and --insecure means " +
        "Data Prepper's API is plain http)",
    );
  inGroup(command, "Run:", () =>
    command
      .addOption(
        new Option(
          "--engine <engine>",
          "what copies the documents: native unless the original form is used",
        ).choices(["native", "dataprepper"]),
      )
      .option("--dryrun", "print the plan and what would be copied; change nothing")
      .option("--createonly", "create the indices and templates, copy no documents")
      .option(
        "--journal <file>",
        `journal of the run (${JOURNAL_DEFAULT}; one per pipeline of a file of several)`,
      )
      .option(
        "--restart",
        "copy again every document of an unfinished run or of partially filled indices (same " +
          "ids: nothing is duplicated)",
      )
      .option("--keep-on-failure", "keep created indices and templates when a creation fails")
      .option(
        "--skip-unmigratable",
        "leave out indices that cannot be migrated (conflicting, unsupported, unhealthy) " +
          "instead of exiting 1",
      )
      .option(
        "--retry-dead-letters",
        "also resend what an earlier run's target refused for good (4xx); what it pushed " +
          "back on (429, 5xx) is always resent",
      )
      .option(
        "--dead-letter <file>",
        "NDJSON file for documents the target refuses (default: next to the journal)",
      )
      .option(
        "--verify",
        "then compare every copied document (as verify --checksums); exit 1 when any differs",
      ));
  addSelectionOptions(command);
  addCopyOptions(command, HELP_GROUPS.nativeCopy);
  inGroup(command, HELP_GROUPS.nativeCopy, () =>
    command
      .option(
        "--tune-target",
        "tune every index it fills, not only those it creates: refresh_interval -1 and no " +
          "replicas, restored at the end (also after a failure)",
      )
      .option("--no-tune-target", "load every index with its settings as they are")
      .option(
        "--part <k/N>",
        "be part k of N processes sharing the primary shards, with its own journal; verify " +
          "--checksums once all are done (docs/scale-out.md)",
      )
      .option(
        "--metrics-port <port>",
        "serve a status page (/, /status.json) and Data Prepper's API (/metrics/prometheus, " +
          "/metrics/sys, /list, POST /shutdown), after the copy too, until /shutdown, SIGINT " +
          "or SIGTERM; with Data Prepper, the status page only, while it runs",
        portNumber,
      )
      .addOption(
        new Option("--metrics-host <host>", "address to serve the metrics on")
          .default("127.0.0.1", "127.0.0.1"),
      )
      .option(
        "--exit-when-done",
        "with --metrics-port: exit when the copy is over",
      ));
  inGroup(command, HELP_GROUPS.dataPrepper, () =>
    command
      .option(
        "--pipelines <k>",
        "split the indices into k pipelines balanced by size, in one Data Prepper",
        positiveInteger,
        1,
      )
      .option(
        "--poll-interval <seconds>",
        "seconds between two reads of its metrics",
        positiveNumber,
        30,
      )
      .option(
        "--idle-polls <n>",
        "polls without any progress before the copy counts as stuck",
        positiveInteger,
        5,
      ));
  addEndpointOptions(command, {
    pipelineName: "migrate only this pipeline when the file holds several (else every one)",
    pair: true,
  });
  inGroup(command, HELP_GROUPS.output, () =>
    command
      .option("--per-index", "show progress per index")
      .option("--json", "print the result as JSON on stdout (docs/json.md)")
      .option(
        "--json-detail",
        "as --json, with every list (identical, excluded, each template's decision) and the " +
          "definitions the target would be sent",
      ));
  command.action(
    async (args: string[], values: RunOptionValues) =>
      await launchRun(await runOptions(args, values), renderer(values)),
  );
}

/** The launch options of the flags and arguments: a new value, the flags left as they are. */
async function runOptions(args: string[], values: RunOptionValues): Promise<LaunchOptions> {
  const { engine, home, port, pipeline: given } = interpretArguments(args, values);
  const pipeline = inlinePipelineFirst(home, given);
  let insecure = values.insecure;
  if (home !== undefined && insecure) {
    // The original orchestrator's --insecure: its Data Prepper serves plain http (as the one
    // this writes the config of does). It never meant skipping the clusters' certificates.
    insecure = false;
    printSummary(
      "--insecure: Data Prepper's API is plain http, as with the original tool; the " +
        "clusters' certificates are still verified (--source-insecure/--target-insecure, " +
        "or insecure: true in the pipeline, skip that)",
    );
  }
  const part = values.part === undefined ? undefined : parsePart(values.part);
  checkEngineFlags({
    engine,
    home,
    port,
    metricsPort: values.metricsPort,
    pipelines: values.pipelines,
    part,
    tuneTarget: targetTuning(values.tuneTarget),
  });
  return {
    endpoints: await resolveAllEndpoints({ ...values, pipeline, insecure }),
    selection: values,
    engine: engineChoice(engine, home, port, part, values),
    journal: values.journal,
    deadLetter: values.deadLetter,
    dryrun: !!values.dryrun,
    createOnly: !!values.createonly,
    restart: !!values.restart,
    keepOnFailure: !!values.keepOnFailure,
    skipUnmigratable: !!values.skipUnmigratable,
    retryDeadLetters: !!values.retryDeadLetters,
    allowElasticsearchTarget: !!values.allowElasticsearchTarget,
    allowOlderTarget: !!values.allowOlderTarget,
    verify: !!values.verify,
  };
}

/** `--tune-target` (every index), `--no-tune-target` (none), neither (those the run creates). */
function targetTuning(flag: boolean | undefined): TargetTuning {
  return flag === undefined ? "created" : flag ? "all" : "none";
}

function engineChoice(
  engine: "native" | "dataprepper",
  home: string | undefined,
  port: number,
  part: RunPart | undefined,
  values: RunOptionValues,
): EngineChoice {
  if (engine === "dataprepper") {
    return {
      kind: "dataprepper",
      home: home!,
      port,
      pipelines: values.pipelines,
      pollIntervalSeconds: values.pollInterval,
      idlePolls: values.idlePolls,
      ...(values.metricsPort === undefined
        ? {}
        : { statusPage: { host: values.metricsHost, port: values.metricsPort } }),
    };
  }
  return {
    kind: "native",
    copy: copyTuningOf(values),
    tuneTarget: targetTuning(values.tuneTarget),
    part,
    ...(values.metricsPort === undefined ? {} : {
      metrics: {
        host: values.metricsHost,
        port: values.metricsPort,
        exitWhenDone: !!values.exitWhenDone,
      },
    }),
  };
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
  options: RunOptionValues,
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

/**
 * `sync`: maps the flags to the options of `followSource` (src/sync/follow.ts: copy first, then
 * follow the live source pass after pass until stopped, `--until-lag`, or `--final`) and renders
 * each pass (a live line on a terminal, a log line elsewhere, JSON lines with `--json`).
 */
import { type Command, Option } from "../deps.ts";
import type { MigrationEndpoints } from "../config/types.ts";
import { BadInputError } from "../errors.ts";
import {
  type FollowOptions,
  type FollowOutcome,
  followSource,
  unfreezeSource,
} from "../sync/follow.ts";
import type { SyncEvent } from "../sync/sync.ts";
import { plural } from "../text.ts";
import { oneDecimal } from "../vocabulary.ts";
import { formatCount } from "../backfill/progress.ts";
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
import { printVerdict } from "./verdict.ts";
import { addSelectionOptions, type SelectionOptionValues } from "./selection-options.ts";

type SyncOptionValues = EndpointOptionValues & SelectionOptionValues & CopyOptionValues & {
  journal?: string;
  deadLetter?: string;
  interval: number;
  untilLag?: number;
  final?: boolean;
  freezeSource?: boolean;
  unfreeze?: boolean;
  deletesEvery: number;
  propagateIndexDeletes?: boolean;
  metricsPort?: number;
  metricsHost: string;
  allowOlderTarget?: boolean;
  allowElasticsearchTarget?: boolean;
  json?: boolean;
};

/** A count of at least 0, for `--until-lag`. */
function operations(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    throw new BadInputError(`--until-lag wants a number of operations (0 or more), not "${text}"`);
  }
  return value;
}

/** Registers `sync`. */
export function registerSync(program: Command): void {
  const command = program
    .command("sync")
    .summary("keep the target in step with a live source until cutover")
    .description(
      "keep the target in step with a live source until cutover: copy first (as run " +
        "--engine native), then pass after pass copy what changed (inserts, updates) and " +
        "delete what the source deleted, following new indices of the selection. Ends on " +
        "Ctrl-C (exit 1: run it again to continue), --until-lag N, or --final (one last pass, " +
        "then verify --checksums; exit 0 only when both sides are equal).",
    )
    .argument("[pipeline]", "Data Prepper pipeline YAML (or --pipeline, --source/--target)");
  inGroup(command, "Sync:", () =>
    command
      .option(
        "--journal <file>",
        `journal of the copy and of the passes (${JOURNAL_DEFAULT})`,
      )
      .option("--dead-letter <file>", "where refused documents go (default: next to the journal)")
      .option("--interval <seconds>", "seconds between the starts of passes", positiveNumber, 1)
      .option("--until-lag <n>", "end once at most n operations are behind", operations)
      .option("--final", "one last pass, then verify --checksums: exit 0 only when equal")
      .option(
        "--freeze-source",
        "with --final: set the write block on the source's indices first (journaled; lifted " +
          "by --unfreeze or rollback)",
      )
      .option("--unfreeze", "lift the write block --freeze-source set, and end")
      .option(
        "--deletes-every <passes>",
        "look for deletes every this many passes; each look reads every id of both sides",
        positiveInteger,
        1,
      )
      .option(
        "--propagate-index-deletes",
        "delete on the target an index deleted on the source (else it is only reported)",
      )
      .option("--metrics-port <port>", "serve the lag series at /metrics/prometheus", portNumber)
      .addOption(
        new Option("--metrics-host <host>", "address to serve the lag series on")
          .default("127.0.0.1", "127.0.0.1"),
      ));
  addSelectionOptions(command);
  addCopyOptions(command, HELP_GROUPS.copy, { rateCap: false });
  addEndpointOptions(command, {
    pipelineName: "the pipeline to follow when the file holds several (needed then: sync " +
      "follows one)",
    pair: true,
  });
  inGroup(
    command,
    HELP_GROUPS.output,
    () => command.option("--json", "a JSON line per pass on stdout, then the result"),
  );
  command.action(
    async (pipeline: string | undefined, values: SyncOptionValues) => {
      if (pipeline !== undefined && values.pipeline !== undefined) {
        throw new BadInputError("the pipeline is given twice (argument and --pipeline)");
      }
      if (values.freezeSource && !values.final) {
        throw new BadInputError(
          "--freeze-source freezes the source for the last pass",
          "add --final (sync --final --freeze-source), once the application is ready to switch",
        );
      }
      const endpoints = await oneEndpoints({ ...values, pipeline: pipeline ?? values.pipeline });
      if (values.unfreeze) return await unfreeze(endpoints, values.journal);
      const line = new PassLine(!!values.json);
      // The copy's own verdict would read as the end; sync's comes after its passes.
      const copy = renderer({ verdict: false });
      try {
        const outcome = await followSource(followOptions(endpoints, values), (event) => {
          if (event.type === "copying-first") {
            printSummary("sync: copying first (as run --engine native), then following the source");
          } else if (event.type === "copy") copy(event.event);
          else if (event.type === "copy-outgrown") {
            printSummary(
              "sync: the source changed during the copy; the passes follow those changes",
            );
          } else line.show(event);
        });
        line.end();
        finish(outcome, !!values.json);
      } finally {
        line.end();
      }
    },
  );
}

/** sync follows one pipeline: a file of several needs `--pipeline-name`. */
async function oneEndpoints(values: SyncOptionValues): Promise<MigrationEndpoints> {
  const all = await resolveAllEndpoints(values);
  if (all.length > 1) {
    throw new BadInputError(
      `the pipeline file holds ${all.length} pipelines; sync follows one`,
      "pick one with --pipeline-name NAME",
    );
  }
  return all[0];
}

/** The follow options of the flags: a new value, the flags left as they are. */
function followOptions(endpoints: MigrationEndpoints, values: SyncOptionValues): FollowOptions {
  return {
    endpoints,
    selection: values,
    copy: copyTuningOf(values),
    journal: values.journal,
    deadLetter: values.deadLetter,
    interval: values.interval,
    untilLag: values.untilLag,
    final: !!values.final,
    freezeSource: !!values.freezeSource,
    deletesEvery: values.deletesEvery,
    propagateIndexDeletes: !!values.propagateIndexDeletes,
    allowOlderTarget: !!values.allowOlderTarget,
    allowElasticsearchTarget: !!values.allowElasticsearchTarget,
    ...(values.metricsPort === undefined
      ? {}
      : { metrics: { host: values.metricsHost, port: values.metricsPort } }),
  };
}

/** `--unfreeze`: lifts the write block of the journal's frozen indices. */
async function unfreeze(endpoints: MigrationEndpoints, journal: string | undefined) {
  const lifted = await unfreezeSource(endpoints, journal);
  printSummary(
    lifted.length > 0
      ? `the source accepts writes again: ${lifted.join(", ")}`
      : "nothing frozen by this journal",
  );
}

/** Prints the end of a sync, or throws what makes it a non-zero exit. */
function finish({ result, journalPath, summary, failure }: FollowOutcome, json: boolean): void {
  if (json) {
    printJsonLine({
      type: "result",
      status: result.status === "interrupted" ? "interrupted" : "succeeded",
      ...(result.status === "interrupted"
        ? {}
        : { ended_by: result.status === "final" ? "final" : "caught_up" }),
      passes: result.passes,
      changes: result.changes,
      deletes: result.deletes,
      lag_operations: result.lagDocuments,
      indices: result.indices,
      journal: journalPath,
    });
  }
  if (failure) {
    printVerdict({ ok: false, text: `sync stopped: ${failure.message.split("\n")[0]}` });
    throw failure;
  }
  printVerdict({
    ok: true,
    text: result.status === "final"
      ? `${summary}. Final pass done and verified: the target equals the source.`
      : `${summary}: caught up (--until-lag).`,
  });
}

/**
 * One JSON document on one line of stdout: `--json` streams a line per pass, then the result, so
 * a reader can parse each line as it comes (`printJson` indents, over many lines).
 */
function printJsonLine(value: unknown): void {
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(value) + "\n"));
}

/** One line per pass: rewritten in place on a terminal, appended elsewhere, JSON with --json. */
class PassLine {
  readonly #live = Deno.stderr.isTerminal();
  #open = false;

  constructor(readonly json: boolean) {}

  show(event: SyncEvent): void {
    if (event.type === "note") {
      this.end();
      printHuman(`sync: ${event.message}`);
      return;
    }
    if (this.json) {
      const { record: r } = event;
      printJsonLine({
        type: "pass",
        pass: r.pass,
        started_at: r.startedAt,
        ended_at: r.endedAt,
        changes: r.changes,
        refused: r.refused,
        deletes: r.deletes,
        deletes_checked: r.deletesChecked,
        lag_operations: r.lagDocuments,
        lag_seconds: oneDecimal(event.lagSeconds),
      });
    }
    const { record } = event;
    const refused = record.refused > 0
      ? ` (${formatCount(record.refused)} refused: see the dead-letter file)`
      : "";
    const text = `pass ${record.pass}: ${formatCount(record.changes)} changes${refused}, ` +
      `${
        record.deletesChecked ? formatCount(record.deletes) + " deletes" : "deletes not checked"
      }` +
      `; behind: ${plural(record.lagDocuments, "operation")}, ${event.lagSeconds.toFixed(1)} s`;
    if (this.#live) {
      Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[K${text}`));
      this.#open = true;
    } else printSummary(text);
  }

  end(): void {
    if (!this.#open) return;
    Deno.stderr.writeSync(new TextEncoder().encode("\n"));
    this.#open = false;
  }
}

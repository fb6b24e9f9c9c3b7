/**
 * `sync`: copy first (as `run --engine native`, unless the journal holds a finished copy), then
 * follow the live source pass after pass (src/sync/) until stopped, `--until-lag`, or `--final`.
 * Maps the flags, renders each pass (a live line on a terminal, a log line elsewhere, JSON lines
 * with `--json`), serves the lag series with `--metrics-port`.
 */
import type { Command } from "../deps.ts";
import { openClusters } from "../cluster/pair.ts";
import { BadInputError, FetchMigrationError } from "../errors.ts";
import { lockJournal } from "../journal/lock.ts";
import { loadRunJournal, runJournalPath } from "../journal/run-journal.ts";
import { clusterIO } from "../migrate/io.ts";
import { PROMETHEUS_CONTENT_TYPE } from "../backfill/metrics-text.ts";
import { syncMetricsText, type SyncSnapshot } from "../sync/metrics.ts";
import { runSync, type SyncEvent, type SyncResult, unfreeze } from "../sync/sync.ts";
import { plural } from "../text.ts";
import { formatCount } from "../backfill/progress.ts";
import {
  addEndpointOptions,
  type EndpointOptionValues,
  resolveAllEndpoints,
} from "./endpoint-options.ts";
import { byteSize, portNumber, positiveInteger, positiveNumber } from "./option-parsers.ts";
import { printHuman, printSummary } from "./output.ts";
import { runNative, type RunOptions } from "./run.ts";
import {
  addSelectionOptions,
  planOptions,
  type SelectionOptionValues,
} from "./selection-options.ts";

type SyncOptionValues = EndpointOptionValues & SelectionOptionValues & {
  journal?: string;
  deadLetter?: string;
  slices: number;
  concurrency: number;
  batchBytes: number;
  pageSize: number;
  maxAttempts: number;
  interval: number;
  untilLag?: number;
  final?: boolean;
  freezeSource?: boolean;
  unfreeze?: boolean;
  deletesEvery: number;
  propagateIndexDeletes?: boolean;
  metricsPort?: number;
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
  addSelectionOptions(addEndpointOptions(
    program
      .command("sync")
      .description(
        "keep the target in step with a live source until cutover: copy first (as run " +
          "--engine native), then pass after pass copy what changed (inserts, updates) and " +
          "delete what the source deleted, following new indices of the selection. Ends on " +
          "Ctrl-C (exit 1: run it again to continue), --until-lag N, or --final (one last pass, " +
          "then verify --checksums; exit 0 only when both sides are equal).",
      )
      .argument("[pipeline]", "Data Prepper pipeline YAML (or --pipeline, --source/--target)")
      .option("--journal <file>", "the run's journal (default: one per pair in the state dir)")
      .option("--dead-letter <file>", "where refused documents go")
      .option("--slices <n>", "slices per index, read in parallel", positiveInteger, 4)
      .option("--concurrency <n>", "bulk requests in flight at most", positiveInteger, 4)
      .option("--batch-bytes <size>", "bytes per bulk request at most", byteSize, 5 * 1024 ** 2)
      .option("--page-size <n>", "documents per source page", positiveInteger, 1000)
      .option("--max-attempts <n>", "attempts per pushed-back document", positiveInteger, 8)
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
        "look for deletes every this many passes (reads every id of both sides)",
        positiveInteger,
        1,
      )
      .option(
        "--propagate-index-deletes",
        "delete on the target an index deleted on the source (else it is only reported)",
      )
      .option("--metrics-port <port>", "serve the lag series at /metrics/prometheus", portNumber)
      .option("--allow-older-target", "accept a target older than the source")
      .option("--allow-elasticsearch-target", "accept an Elasticsearch target")
      .option("--json", "a JSON line per pass on stdout, then the result"),
  )).action(async (pipeline: string | undefined, options: SyncOptionValues) => {
    if (pipeline !== undefined && options.pipeline !== undefined) {
      throw new BadInputError("the pipeline is given twice (argument and --pipeline)");
    }
    if (options.freezeSource && !options.final) {
      throw new BadInputError(
        "--freeze-source freezes the source for the last pass",
        "add --final (sync --final --freeze-source), once the application is ready to switch",
      );
    }
    await sync({ ...options, pipeline: pipeline ?? options.pipeline });
  });
}

async function sync(options: SyncOptionValues): Promise<void> {
  const all = await resolveAllEndpoints(options);
  if (all.length > 1) {
    throw new BadInputError(
      `the pipeline file holds ${all.length} pipelines; sync follows one`,
      "pick one with --pipeline-name NAME",
    );
  }
  const [endpoints] = all;
  using clusters = openClusters(endpoints);
  const journalPath = options.journal ??
    runJournalPath(clusters.source.url, clusters.target.url);
  if (options.unfreeze) return await lift(clusters, journalPath);
  const existing = await loadRunJournal(journalPath, clusters.source.url, clusters.target.url);
  // A rolled-back journal's copy is gone from the target: copy again (run starts a new journal).
  if (existing?.data.backfill?.status !== "completed" || existing.data.status === "rolled-back") {
    printSummary("sync: copying first (as run --engine native), then following the source");
    await runNative(runOptions(options)).catch(async (error) => {
      // A live source outgrows the copy's count check: once the copy itself finished, what is
      // missing is what the passes bring (and --final verifies every document).
      const after = await loadRunJournal(journalPath, clusters.source.url, clusters.target.url);
      // Documents the target refused are not the source's doing: those stop sync like run.
      const copied = after?.data.backfill?.status === "completed" &&
        after.data.backfill.deadLetters === 0;
      if (!(error instanceof FetchMigrationError && error.errorKind === "incomplete" && copied)) {
        throw error;
      }
      printSummary("sync: the source changed during the copy; the passes follow those changes");
    });
  }
  await using _lock = await lockJournal(journalPath);
  const journal = await loadRunJournal(journalPath, clusters.source.url, clusters.target.url);
  if (!journal) throw new Error(`internal: the journal ${journalPath} vanished`);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  let snapshot: SyncSnapshot | undefined;
  await using _server = options.metricsPort === undefined
    ? undefined
    : Deno.serve({ port: options.metricsPort, hostname: "127.0.0.1", onListen() {} }, () =>
      new Response(snapshot ? syncMetricsText(snapshot) : "", {
        headers: { "content-type": PROMETHEUS_CONTENT_TYPE },
      }));
  const line = new PassLine(!!options.json);
  try {
    const result = await runSync(clusters, clusterIO(clusters), journal, {
      plan: planOptions(options, endpoints),
      interval: options.interval,
      untilLag: options.untilLag,
      final: !!options.final,
      freezeSource: !!options.freezeSource,
      deletesEvery: options.deletesEvery,
      propagateIndexDeletes: !!options.propagateIndexDeletes,
      slices: options.slices,
      concurrency: options.concurrency,
      batchBytes: options.batchBytes,
      pageSize: options.pageSize,
      maxAttempts: options.maxAttempts,
      deadLetterPath: options.deadLetter ??
        journalPath.replace(/\.json$/, "") + ".dead-letter.ndjson",
      signal: stop.signal,
    }, (event) => {
      if (event.type === "pass") {
        snapshot = {
          passes: event.record.pass,
          changesTotal: journal.data.sync?.changesTotal ?? 0,
          deletesTotal: journal.data.sync?.deletesTotal ?? 0,
          lagDocuments: event.record.lagDocuments,
          lagSeconds: event.lagSeconds,
          indices: event.indices,
          idsRead: event.idsRead,
        };
      }
      line.show(event);
    });
    line.end();
    finish(result, journalPath, !!options.json);
  } finally {
    line.end();
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
}

/** The `run` options the first copy takes, from sync's. */
function runOptions(options: SyncOptionValues): RunOptions {
  return {
    ...options,
    engine: "native",
    json: false,
    metricsPort: undefined,
    metricsHost: "127.0.0.1",
    pipelines: 1,
    pollInterval: 30,
    idlePolls: 5,
  };
}

/** `--unfreeze`: lifts the write block of the journal's frozen indices. */
async function lift(clusters: ReturnType<typeof openClusters>, journalPath: string) {
  const journal = await loadRunJournal(journalPath, clusters.source.url, clusters.target.url);
  if (!journal) {
    throw new BadInputError(`no journal ${journalPath} to unfreeze from`, "pass --journal FILE");
  }
  await using _lock = await lockJournal(journalPath);
  const lifted = await unfreeze(clusters.source, journal);
  printSummary(
    lifted.length > 0
      ? `the source accepts writes again: ${lifted.join(", ")}`
      : "nothing frozen by this journal",
  );
}

/** Prints the end of a sync, or throws what makes it a non-zero exit. */
function finish(result: SyncResult, journalPath: string, json: boolean): void {
  if (json) {
    printJsonLine({
      type: "result",
      status: result.status,
      passes: result.passes,
      changes: result.changes,
      deletes: result.deletes,
      lag_operations: result.lagDocuments,
      indices: result.indices,
      journal: journalPath,
    });
  }
  const summary = `${plural(result.passes, "pass")}: ${formatCount(result.changes)} changes and ` +
    `${formatCount(result.deletes)} deletes applied in all; ${
      plural(result.lagDocuments, "operation")
    } behind`;
  if (result.status === "final") {
    printSummary(`${summary}. Final pass done and verified: the target equals the source.`);
  } else if (result.status === "caught-up") {
    printSummary(`${summary}: caught up (--until-lag).`);
  } else {
    throw new FetchMigrationError(
      "interrupted",
      `sync stopped after ${summary}`,
      "run the same command to keep following; at cutover, once the application stops " +
        "writing, run it with --final (--freeze-source makes sure)",
    );
  }
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
        lag_seconds: event.lagSeconds,
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

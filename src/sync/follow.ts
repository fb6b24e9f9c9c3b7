/**
 * `sync` from start to end: copy first (a launched run with the native engine) unless the
 * journal holds a finished copy, then follow the source pass after pass (sync.ts) under the
 * journal's lock until stopped, `--until-lag` or `--final`; the lag series served with
 * `--metrics-port`. Also `--unfreeze`. It tells what happens through events; the command renders.
 */
import { PROMETHEUS_CONTENT_TYPE } from "../backfill/metrics-text.ts";
import { formatCount } from "../backfill/progress.ts";
import { openClusters } from "../cluster/pair.ts";
import type { MigrationEndpoints } from "../config/types.ts";
import { BadInputError, FetchMigrationError } from "../errors.ts";
import { lockJournal } from "../journal/lock.ts";
import { loadRunJournal, runFiles } from "../journal/run-journal.ts";
import { liftFreeze } from "../journal/undo.ts";
import { type LaunchEvent, launchRun } from "../launch/run.ts";
import { planOptions, type SelectionFlags } from "../metadata/selection.ts";
import type { CopyTuning } from "../migrate/copy-options.ts";
import { clusterIO } from "../migrate/io.ts";
import { listenForMetrics } from "../migrate/serve.ts";
import { statusResponse } from "../migrate/status-page.ts";
import { StatusBoard, type StatusJson } from "../migrate/status.ts";
import { endStatus, feedStatus } from "../launch/status.ts";
import { redactUrl } from "../config/redact.ts";
import { plural } from "../text.ts";
import { syncMetricsText, type SyncSnapshot } from "./metrics.ts";
import { runSync, type SyncEvent, type SyncOptions, type SyncResult } from "./sync.ts";

/** What the operator asked of `sync`, flags mapped. */
export interface FollowOptions extends
  Pick<
    SyncOptions,
    "interval" | "untilLag" | "final" | "freezeSource" | "deletesEvery" | "propagateIndexDeletes"
  > {
  endpoints: MigrationEndpoints;
  selection: SelectionFlags;
  copy: CopyTuning;
  /** `--journal` as given. */
  journal?: string;
  /** `--dead-letter` as given. */
  deadLetter?: string;
  allowOlderTarget: boolean;
  allowElasticsearchTarget: boolean;
  /** `--metrics-port` and `--metrics-host`: where the lag series are served. */
  metrics?: { host: string; port: number };
}

/** What `sync` tells as it goes. */
export type FollowEvent =
  | { type: "copying-first" }
  | { type: "copy"; event: LaunchEvent }
  | { type: "copy-outgrown" }
  | SyncEvent;

/** How a sync ended: its result, the journal, and (unless it did what was asked) the failure. */
export interface FollowOutcome {
  result: SyncResult;
  journalPath: string;
  /** The totals in words, for the last line. */
  summary: string;
  failure?: FetchMigrationError;
}

/** Copies first if needed, then follows the source; see the module header. */
export async function followSource(
  options: FollowOptions,
  onEvent: (event: FollowEvent) => void,
): Promise<FollowOutcome> {
  using clusters = openClusters(options.endpoints);
  const files = runFiles({
    sourceUrl: clusters.source.url,
    targetUrl: clusters.target.url,
    journal: options.journal,
    deadLetter: options.deadLetter,
  });
  const load = () => loadRunJournal(files.journal, clusters.source.url, clusters.target.url);
  const board = new StatusBoard("sync", Date.now(), {
    source: redactUrl(options.endpoints.source.url),
    target: redactUrl(options.endpoints.target.url),
  });
  let snapshot: SyncSnapshot | undefined;
  // Served from the start, so the page shows the first copy too.
  await using _server = options.metrics &&
    serveSyncStatus(options.metrics, () => snapshot, () => board.json(Date.now()));
  const existing = await load();
  // A rolled-back journal's copy is gone from the target: copy again (run starts a new journal).
  if (existing?.data.backfill?.status !== "completed" || existing.data.status === "rolled-back") {
    onEvent({ type: "copying-first" });
    await copyFirst(options, (event) => {
      if (event.type === "copy" && event.event.type === "migration") {
        feedStatus(board, event.event.event, Date.now());
      }
      onEvent(event);
    }).catch(async (error) => {
      // A live source outgrows the copy's count check: once the copy itself finished, what is
      // missing is what the passes bring (and --final verifies every document).
      const after = await load();
      // Documents the target refused are not the source's doing: those stop sync like run.
      const copied = after?.data.backfill?.status === "completed" &&
        after.data.backfill.deadLetters === 0;
      if (!(error instanceof FetchMigrationError && error.errorKind === "incomplete" && copied)) {
        endStatus(board, { error }, false);
        throw error;
      }
      onEvent({ type: "copy-outgrown" });
    });
  }
  board.phase("following");
  await using _lock = await lockJournal(files.journal);
  const journal = await load();
  if (!journal) throw new Error(`internal: the journal ${files.journal} vanished`);
  using stop = new SignalStop();
  const result = await runSync(clusters, clusterIO(clusters), journal, {
    ...options,
    ...options.copy,
    plan: planOptions(options.selection, options.endpoints),
    deadLetterPath: files.deadLetter,
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
      board.pass(
        { operations: event.record.lagDocuments, seconds: event.lagSeconds },
        {
          passes: snapshot.passes,
          changes: snapshot.changesTotal,
          deletes: snapshot.deletesTotal,
          indices: event.indices,
        },
        Date.now(),
      );
    }
    onEvent(event);
  });
  const outcome = { result, journalPath: files.journal, ...ending(result, files.journal) };
  board.end(
    outcome.failure
      ? { status: "interrupted", message: outcome.failure.message }
      : { status: "succeeded", message: `${result.status}: ${outcome.summary}` },
  );
  return outcome;
}

/**
 * The lag series at `/metrics/prometheus` (empty before the first pass), the status page at `/`
 * and `/status.json`; nothing else.
 */
function serveSyncStatus(
  where: { host: string; port: number },
  snapshot: () => SyncSnapshot | undefined,
  status: () => StatusJson,
): AsyncDisposable {
  const server = listenForMetrics(where.host, where.port, (request) => {
    const path = new URL(request.url).pathname;
    const page = statusResponse(path, status);
    if (page) return page;
    if (path !== "/metrics/prometheus") {
      return new Response(
        "not found: the lag series are at /metrics/prometheus, the status page at /\n",
        { status: 404 },
      );
    }
    const current = snapshot();
    return new Response(current ? syncMetricsText(current) : "", {
      headers: { "content-type": PROMETHEUS_CONTENT_TYPE },
    });
  });
  return { [Symbol.asyncDispose]: () => server.shutdown() };
}

/** The copy before the passes: `run --engine native` with sync's endpoints and flags. */
function copyFirst(options: FollowOptions, onEvent: (event: FollowEvent) => void): Promise<void> {
  return launchRun({
    endpoints: [options.endpoints],
    selection: options.selection,
    engine: {
      kind: "native",
      copy: options.copy,
      tuneTarget: "none",
      dataStreamsRefused: {
        why: "sync does not follow data streams yet",
        hint: "--exclude the streams from sync, and copy them with `fetch-migration run` " +
          "(--include <stream>) once their source stops receiving writes",
      },
    },
    journal: options.journal,
    deadLetter: options.deadLetter,
    dryrun: false,
    createOnly: false,
    restart: false,
    keepOnFailure: false,
    skipUnmigratable: false,
    retryDeadLetters: false,
    allowElasticsearchTarget: options.allowElasticsearchTarget,
    allowOlderTarget: options.allowOlderTarget,
    sourceDuty: options.final && options.freezeSource ? "freeze" : "copy",
    verify: false,
  }, (event) => onEvent({ type: "copy", event }));
}

/** The last words of a sync, and the failure when it was stopped before what was asked. */
function ending(
  result: SyncResult,
  journalPath: string,
): Pick<FollowOutcome, "summary" | "failure"> {
  const summary = `${plural(result.passes, "pass")}: ${formatCount(result.changes)} changes and ` +
    `${formatCount(result.deletes)} deletes applied in all; ${
      plural(result.lagDocuments, "operation")
    } behind`;
  if (result.status !== "interrupted") return { summary };
  return {
    summary,
    failure: new FetchMigrationError(
      "interrupted",
      `sync stopped after ${summary}; its journal: ${journalPath}`,
      "run the same command to keep following; at cutover, once the application stops " +
        "writing, run it with --final (--freeze-source makes sure); to undo the migration " +
        `instead: \`fetch-migration rollback --journal ${journalPath}\``,
    ),
  };
}

/** `sync --unfreeze`: lifts the write block of the journal's frozen indices; returns them. */
export async function unfreezeSource(
  endpoints: MigrationEndpoints,
  journalFlag: string | undefined,
): Promise<string[]> {
  using clusters = openClusters(endpoints);
  const { journal: path } = runFiles({
    sourceUrl: clusters.source.url,
    targetUrl: clusters.target.url,
    journal: journalFlag,
  });
  const journal = await loadRunJournal(path, clusters.source.url, clusters.target.url);
  if (!journal) {
    throw new BadInputError(`no journal ${path} to unfreeze from`, "pass --journal FILE");
  }
  await using _lock = await lockJournal(path);
  return await liftFreeze(clusters.source, journal);
}

/** SIGINT and SIGTERM end the passes after the one under way. */
class SignalStop implements Disposable {
  readonly #controller = new AbortController();
  readonly #onSignal = () => this.#controller.abort();

  constructor() {
    Deno.addSignalListener("SIGINT", this.#onSignal);
    Deno.addSignalListener("SIGTERM", this.#onSignal);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  [Symbol.dispose](): void {
    Deno.removeSignalListener("SIGINT", this.#onSignal);
    Deno.removeSignalListener("SIGTERM", this.#onSignal);
  }
}

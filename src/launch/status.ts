/**
 * Feeds the status page's board (src/migrate/status.ts) from a launched run's events: a board per
 * pipeline, shown as one (several pipelines each become a row of engines, summed above).
 */
import type { FetchMigrationError } from "../errors.ts";
import { shortfalls } from "../migrate/checks.ts";
import type { MigrationEvent, MigrationResult } from "../migrate/run.ts";
import { combineStatuses, StatusBoard, type StatusJson } from "../migrate/status.ts";
import { plural } from "../text.ts";

/** Passes one event of a pipeline's run flow to its board, at time `at`. */
export function feedStatus(board: StatusBoard, event: MigrationEvent, at: number): void {
  switch (event.type) {
    case "planned": {
      const perIndex = event.plan.documents.per_index;
      board.plan(Object.fromEntries(event.migrating.map((name) => [name, perIndex[name] ?? 0])));
      break;
    }
    case "left-out":
      board.skip(event.indices.map((name) => ({ name, reason: "not in this run's selection" })));
      break;
    case "creating":
      board.phase("create");
      break;
    case "copying":
      board.phase("copy");
      break;
    case "progress":
      board.progress(event.progress, at);
      break;
    case "confirmed":
      board.phase("confirm");
      board.fail(
        shortfalls(event.counts).map(({ index, source, target }) => ({
          name: index,
          reason: target === null
            ? "missing on the target"
            : `${(source ?? 0) - target} documents missing`,
        })),
      );
      break;
    case "verifying":
      board.phase("verify");
      break;
  }
}

/** Ends a pipeline's board with how its run ended. */
export function endStatus(
  board: StatusBoard,
  outcome: { result?: MigrationResult; error?: unknown },
  stopped: boolean,
): void {
  const { result, error } = outcome;
  if (result?.skipped.length) {
    board.skip(result.skipped.map(({ name, reason }) => ({ name, reason })));
  }
  const failure = error ?? result?.failure;
  if (stopped || result?.status === "interrupted") {
    board.end({
      status: "interrupted",
      message: "stopped; the same command continues from the checkpoints",
    });
  } else if (failure !== undefined) {
    const known = failure as Partial<FetchMigrationError>;
    board.end({
      status: "failed",
      message: known.message && known.errorKind
        ? `${known.message}${known.hint ? ` (${known.hint})` : ""}`
        : "the run failed; see its log",
    });
  } else if (result) {
    board.end({
      status: "succeeded",
      message: result.status === "dry-run"
        ? "dry run: nothing was changed"
        : !result.copy
        ? `${plural(result.created.length, "creation")} on the target; no document copied`
        : `${plural(result.indices.length, "index", "indices")} migrated, ` +
          `${result.copy.copied} documents copied, every selected document on the target`,
    });
  }
}

/** The boards of a launched run's pipelines, read as one status. */
export class LaunchStatus {
  readonly boards: Map<string, StatusBoard>;

  constructor(pipelines: Array<{ name: string; source: string; target: string }>, at: number) {
    this.boards = new Map(
      pipelines.map(({ name, source, target }) => [
        name,
        new StatusBoard("run", at, { source, target }),
      ]),
    );
  }

  /** The board of one pipeline. */
  board(pipeline: string): StatusBoard {
    return this.boards.get(pipeline)!;
  }

  /** The status at `at`: the one pipeline's, or every pipeline's summed with a row each. */
  json(at: number): StatusJson {
    const boards = [...this.boards.entries()];
    if (boards.length === 1) return boards[0][1].json(at);
    const startedAt = Math.min(...boards.map(([, board]) => board.startedAt));
    return {
      ...combineStatuses(
        boards.map(([name, board]) => ({ url: name, status: board.json(at) })),
        startedAt,
        at,
      ),
      command: "run",
    };
  }
}

import type { Command } from "../deps.ts";
import { lockJournal } from "../journal/lock.ts";
import { Journal } from "../journal/journal.ts";
import {
  entriesToRollBack,
  previewRollback,
  rollBack,
  type RollbackItem,
  type RollbackResult,
} from "../journal/rollback.ts";
import { restoreTarget } from "../backfill/tune.ts";
import { ClusterClient } from "../cluster/client.ts";
import { loadEndpoints, loadTargetEndpoint } from "../config/load.ts";
import { unfreeze } from "../sync/sync.ts";
import { BadInputError, FetchMigrationError, messageOf } from "../errors.ts";
import { formatColumns, plural } from "../text.ts";
import { addEndpointOptions, type EndpointOptionValues } from "./endpoint-options.ts";
import { checkJournalFlag, pathState } from "./file-flags.ts";
import { askHuman, printHuman, printJson, printSummary } from "./output.ts";

type RollbackOptions = EndpointOptionValues & {
  journal?: string;
  json?: boolean;
  dryrun?: boolean;
  yes?: boolean;
};

/** What `rollback --json` prints; every key snake_case, as the other commands' JSON. */
export interface RollbackJson extends RollbackResult {
  journal: string;
  target: string;
  dry_run: boolean;
  /** The journal recorded nothing left to delete: a rollback ran already. */
  already_rolled_back: boolean;
  /** What is (or with `--dryrun`, would be) deleted: each still on the target. */
  to_delete: Array<{ kind: string; name: string; documents?: number }>;
  /** Indices whose refresh interval and replicas could not be put back. */
  settings_not_restored: string[];
}

const KIND_LABELS: Readonly<Record<RollbackItem["kind"], string>> = {
  index: "index",
  "index-template": "index template",
  component: "component template",
  legacy: "legacy template",
};

/** Registers `rollback --journal FILE`: delete what a run created, and only that. */
export function registerRollback(program: Command): void {
  addEndpointOptions(
    program
      .command("rollback")
      .description(
        "delete on the target what a run's journal recorded as created, and nothing else. It " +
          "first lists what it will delete (indices with their document count on the target). " +
          "On a terminal it then asks before deleting (--yes skips the question); without a " +
          "terminal (a script, CI) it deletes without asking. Only the target is needed: " +
          "--target URL or a pipeline whose sink is the target.",
      )
      // Checked in the action rather than as commander's required option: commander reports a
      // missing required option before an unknown one, so `--jornal FILE` would be told that
      // --journal is missing instead of "did you mean --journal?".
      .option("--journal <file>", "the journal a metadata or run command wrote (required)")
      .option("--dryrun", "list what would be deleted and change nothing")
      .option("--yes", "do not ask for confirmation on a terminal")
      .option("--json", "print what was (or would be) deleted as JSON on stdout"),
  ).action(async (options: RollbackOptions) => {
    if (options.journal === undefined) {
      throw new BadInputError(
        "rollback needs the journal of the run to undo",
        "pass --journal FILE: the path a metadata or run command printed (`journal: ...`)",
      );
    }
    const journal = await loadJournal(options.journal);
    const endpoint = await loadTargetEndpoint(options, Deno.env.toObject());
    const client = new ClusterClient(endpoint, { role: "target" });
    try {
      if (client.url !== journal.data.target) {
        throw new BadInputError(
          `the journal ${options.journal} is for ${journal.data.target}, not ${client.url}`,
          "point --target (or the pipeline's sink) at the cluster the run changed",
        );
      }
      const report: RollbackJson = {
        journal: options.journal,
        target: client.url,
        dry_run: !!options.dryrun,
        already_rolled_back: false,
        to_delete: [],
        deleted: [],
        missing: [],
        failed: [],
        settings_not_restored: [],
      };
      if (entriesToRollBack(journal).length === 0 && journal.data.status === "rolled-back") {
        // Nothing is asked of the target: a replayed rollback must not touch a name someone
        // created again since.
        report.already_rolled_back = true;
        if (options.json) printJson(report);
        printSummary(
          `already rolled back: the journal ${options.journal} records nothing left to delete ` +
            `on ${client.url}`,
        );
        return;
      }

      const items = await previewRollback(client, journal);
      const present = items.filter((item) => item.exists);
      report.to_delete = present.map(({ kind, name, documents }) => ({
        kind,
        name,
        ...(typeof documents === "number" ? { documents } : {}),
      }));
      const asking = !options.dryrun && !options.yes && present.length > 0 &&
        Deno.stdin.isTerminal();
      // The list is the answer of a dry run and the ground of a question: then always shown.
      const show = options.dryrun || asking ? printHuman : printSummary;
      show(formatRollbackList(options.journal, client.url, items));
      if (options.dryrun) {
        if (options.json) printJson(report);
        printHuman(
          present.length > 0
            ? `dry run: would delete ${describeCounts(present)}; nothing was changed`
            : "dry run: nothing to delete; nothing was changed",
        );
        return;
      }
      if (asking) {
        const answer = await askHuman(
          `delete ${present.length === 1 ? "it" : `these ${present.length}`} on ${client.url}? ` +
            "[y/N] ",
        );
        if (!/^y(es)?$/i.test(answer)) {
          throw new FetchMigrationError(
            "interrupted",
            `rollback cancelled: nothing was deleted on ${client.url}`,
            "run it again and answer y, or pass --yes",
          );
        }
      }

      // A run still writing this journal would recreate what is deleted, or record more.
      await using _lock = await lockJournal(options.journal);
      const result = await rollBack(client, journal);
      // Indices the run only filled (not created) keep living: give them their settings back.
      const notRestored = await restoreTarget(client, journal);
      Object.assign(report, result, { settings_not_restored: notRestored });
      const failed = [...result.failed, ...notRestored.map((index) => `settings of ${index}`)];
      if (options.json) printJson(report);
      const summary = `rolled back ${result.deleted.length}` +
        (result.missing.length ? `, ${result.missing.length} already gone` : "");
      if (failed.length > 0) printHuman(`${summary}; FAILED: ${failed.join(", ")}`);
      else printSummary(summary);
      if (failed.length > 0) {
        throw new FetchMigrationError(
          "refused",
          `${plural(failed.length, "creation")} of the journal ${options.journal} could not be ` +
            "undone",
          "see the list above; run rollback again once the target accepts the deletes",
        );
      }
      await liftFrozenSource(options, journal);
    } finally {
      client.close();
    }
  });
}

async function loadJournal(path: string): Promise<Journal> {
  checkJournalFlag(path, await pathState("--journal", path), "read");
  try {
    return await Journal.load(path);
  } catch (error) {
    if (error instanceof FetchMigrationError) throw error;
    throw new BadInputError(
      `cannot read the journal ${path}: ${messageOf(error)}`,
      "pass the file a metadata or run command wrote (--journal FILE)",
    );
  }
}

/** The list shown before deleting: one line per thing, indices with their documents now. */
export function formatRollbackList(journal: string, target: string, items: RollbackItem[]): string {
  const present = items.filter((item) => item.exists);
  if (items.length === 0) {
    return `the journal ${journal} records nothing created on ${target}: nothing to delete`;
  }
  const rows = items.map((item) => [
    KIND_LABELS[item.kind],
    item.name,
    !item.exists
      ? "not on the target (nothing to delete)"
      : typeof item.documents === "number"
      ? plural(item.documents, "document")
      : "",
  ]);
  const documents = present.reduce((sum, item) => sum + (item.documents ?? 0), 0);
  const holding = present.some((item) => item.kind === "index")
    ? `; ${plural(documents, "document")} in the indices`
    : "";
  return [
    `rollback of ${journal} on ${target}: ${
      present.length > 0 ? `${describeCounts(present)}${holding}` : "nothing left to delete"
    }`,
    ...formatColumns(rows).map((line) => `  ${line}`),
  ].join("\n");
}

/** "2 indices and 1 index template", in the order a rollback deletes kinds. */
export function describeCounts(items: Array<{ kind: RollbackItem["kind"] }>): string {
  const order: Array<RollbackItem["kind"]> = ["index", "legacy", "index-template", "component"];
  const parts = order
    .map((kind) => ({ kind, count: items.filter((item) => item.kind === kind).length }))
    .filter(({ count }) => count > 0)
    .map(({ kind, count }) => plural(count, KIND_LABELS[kind]));
  if (parts.length === 0) return "nothing";
  return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}

/**
 * A sync journal's `--freeze-source` write block, lifted when the source is named (`--source`,
 * or a pipeline); without it, the rollback ends non-zero saying how to lift it.
 */
async function liftFrozenSource(options: RollbackOptions, journal: Journal): Promise<void> {
  const frozen = journal.data.sync?.frozen ?? [];
  if (frozen.length === 0) return;
  if (options.source === undefined && options.pipeline === undefined) {
    throw new FetchMigrationError(
      "incomplete",
      `the source's ${frozen.join(", ")} still refuse writes: sync --freeze-source set a write ` +
        "block there",
      "run rollback again with the source too (--source URL, or the pipeline), or sync " +
        "--unfreeze with the same endpoints",
    );
  }
  const endpoints = await loadEndpoints(options, Deno.env.toObject());
  const source = new ClusterClient(endpoints.source, { role: "source" });
  try {
    const lifted = await unfreeze(source, journal);
    printSummary(`the source accepts writes again: ${lifted.join(", ")}`);
  } finally {
    source.close();
  }
}

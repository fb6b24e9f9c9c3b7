/**
 * `rollback --journal FILE`: maps the flags to the undo flow (`rollBackRun` in
 * src/journal/rollback.ts), asks on a terminal, and renders what it did.
 */
import type { Command } from "../deps.ts";
import {
  DELETE_ORDER,
  entriesToRollBack,
  loadJournalToUndo,
  type RollbackItem,
  type RollbackResult,
  rollBackRun,
  type RollbackRunOutcome,
  rolledBackLabel,
} from "../journal/rollback.ts";
import { ClusterClient } from "../cluster/client.ts";
import { openClusters } from "../cluster/pair.ts";
import { pairJournals, runFiles } from "../journal/run-journal.ts";
import type { Journal } from "../journal/journal.ts";
import { loadEndpoints, loadTargetEndpoint } from "../config/load.ts";
import { BadInputError } from "../errors.ts";
import { formatColumns, plural } from "../text.ts";
import {
  addSourceOptions,
  addTargetEndpointOptions,
  type EndpointOptionValues,
  onePipelineName,
} from "./endpoint-options.ts";
import { HELP_GROUPS, inGroup, JOURNAL_DEFAULT } from "./help.ts";
import type { CommandStatus } from "../vocabulary.ts";
import { askHuman, printHuman, printJson, printSummary } from "./output.ts";
import { printVerdict, verdictLine } from "./verdict.ts";
import { CreationProgress } from "./progress.ts";

type RollbackOptions = EndpointOptionValues & {
  journal?: string;
  json?: boolean;
  dryrun?: boolean;
  yes?: boolean;
  list?: boolean;
  all?: boolean;
};

/** What `rollback --json` prints; every key snake_case, as the other commands' JSON. */
export interface RollbackJson extends RollbackResult {
  status: CommandStatus;
  journal: string;
  target: { url: string };
  dry_run: boolean;
  /** The journal recorded nothing left to delete: a rollback ran already. */
  already_rolled_back: boolean;
  /** What is (or with `--dryrun`, would be) deleted: each still on the target. */
  to_delete: Array<{ kind: string; name: string; document_count?: number }>;
  /** Indices whose refresh interval and replicas could not be put back. */
  settings_not_restored: string[];
}

const KIND_LABELS: Readonly<Record<RollbackItem["kind"], string>> = {
  "ingest-pipeline": "ingest pipeline",
  index: "index",
  "index-template": "index template",
  "data-stream": "data stream",
  component: "component template",
  legacy: "legacy template",
};

/**
 * Without `--journal`: the pair's run journal (the one `run` with the same endpoints keeps),
 * which needs the source too.
 */
async function pairJournal(options: RollbackOptions): Promise<string> {
  if (options.source === undefined && options.pipeline === undefined) {
    throw new BadInputError(
      "rollback needs the journal of the run to undo",
      "pass --journal FILE (the path a metadata or run command printed, `journal: ...`), or " +
        "the run's --source and --target (or its pipeline) to undo that pair's run",
    );
  }
  using clusters = openClusters(await loadEndpoints(options, Deno.env.toObject()));
  return runFiles({ sourceUrl: clusters.source.url, targetUrl: clusters.target.url }).journal;
}

/** Registers `rollback --journal FILE`: delete what a run created, and only that. */
export function registerRollback(program: Command): void {
  const command = program
    .command("rollback")
    .summary("delete on the target what a run's journal recorded as created")
    .description(
      "delete on the target what a run's journal recorded as created, and nothing else. It " +
        "first lists what it will delete (indices with their document count on the target). " +
        "On a terminal it then asks before deleting (--yes skips the question); without a " +
        "terminal (a script, CI) it deletes without asking. Only the target is needed: " +
        "--target URL or a pipeline whose sink is the target.",
    );
  inGroup(command, "Rollback:", () =>
    command
      // Checked in the action rather than as commander's required option: commander reports a
      // missing required option before an unknown one, so `--jornal FILE` would be told that
      // --journal is missing instead of "did you mean --journal?".
      .option(
        "--journal <file>",
        `the journal a metadata, run or sync command wrote (${JOURNAL_DEFAULT}, with --source ` +
          "and --target or a pipeline)",
      )
      .option("--dryrun", "list what would be deleted and change nothing")
      .option("--list", "list the pair's runs (with --source and --target) and what each created")
      .option("--all", "undo every run of the pair not rolled back yet, newest first")
      .option("--yes", "do not ask for confirmation on a terminal"));
  addTargetEndpointOptions(command, { pipelineName: onePipelineName("rollback") });
  // The source is read only to find the pair's journal and to lift a sync --freeze-source block.
  addSourceOptions(
    command,
    "Source (to find the pair's journal, or lift a sync --freeze-source write block):",
    "the run's source cluster URL",
  );
  inGroup(
    command,
    HELP_GROUPS.output,
    () => command.option("--json", "print what was (or would be) deleted as JSON on stdout"),
  );
  command.action(async (options: RollbackOptions) => {
    if (options.list || options.all) {
      const journals = await pairJournals(await pairJournal(options));
      if (options.list) return printHuman(formatRuns(journals));
      for (const journal of journals.filter((j) => j.data.status !== "rolled-back")) {
        await undoOne(journal.path, options);
      }
      return;
    }
    await undoOne(options.journal ?? await pairJournal(options), options);
  });
}

/** The pair's runs, newest first: journal, status, start, and what each created and holds. */
function formatRuns(journals: Journal[]): string {
  if (journals.length === 0) return "no run journal for this pair";
  return formatColumns([
    ["journal", "status", "started", "created (not rolled back)"],
    ...journals.map((journal) => [
      journal.path,
      journal.data.status,
      journal.data.startedAt,
      String(entriesToRollBack(journal).length),
    ]),
  ]).join("\n");
}

/** Undoes the run of the journal at `path`. */
async function undoOne(path: string, options: RollbackOptions): Promise<void> {
  const journal = await loadJournalToUndo(path);
  const endpoint = await loadTargetEndpoint(options, Deno.env.toObject());
  const client = new ClusterClient(endpoint, { role: "target" });
  try {
    const asking = !options.dryrun && !options.yes && Deno.stdin.isTerminal();
    const deleting = new CreationProgress("deleting");
    const outcome = await rollBackRun(client, journal, {
      dryrun: !!options.dryrun,
      onProgress: (done, total) => deleting.update(done, total),
      onList: (items) => {
        // The list is the answer of a dry run and the ground of a question: then always shown.
        const shown = options.dryrun || (asking && items.some((item) => item.exists));
        (shown ? printHuman : printSummary)(formatRollbackList(path, client.url, items));
      },
      confirm: asking ? (present) => confirmDeletes(present, client.url) : undefined,
      openSource: options.source === undefined && options.pipeline === undefined
        ? undefined
        : async () =>
          new ClusterClient((await loadEndpoints(options, Deno.env.toObject())).source, {
            role: "source",
          }),
    });
    render(outcome, path, client.url, options);
  } finally {
    client.close();
  }
}

async function confirmDeletes(present: RollbackItem[], target: string): Promise<boolean> {
  const answer = await askHuman(
    `delete ${present.length === 1 ? "it" : `these ${present.length}`} on ${target}? [y/N] `,
  );
  return /^y(es)?$/i.test(answer);
}

/** Prints what the rollback did (JSON with `--json`), then throws what it left undone. */
function render(
  outcome: RollbackRunOutcome,
  journal: string,
  target: string,
  options: RollbackOptions,
): void {
  const present = outcome.items.filter((item) => item.exists);
  const report: RollbackJson = {
    status: options.dryrun
      ? "dry_run"
      : outcome.failure
      ? (outcome.failure.errorKind === "interrupted" ? "interrupted" : "failed")
      : "succeeded",
    journal,
    target: { url: target },
    dry_run: !!options.dryrun,
    already_rolled_back: outcome.alreadyRolledBack,
    to_delete: present.map(({ kind, name, documents }) => ({
      kind,
      name,
      ...(typeof documents === "number" ? { document_count: documents } : {}),
    })),
    ...outcome.result,
    settings_not_restored: outcome.settingsNotRestored,
  };
  if (options.json) printJson(report);
  if (outcome.alreadyRolledBack) {
    printVerdict({
      ok: true,
      text: `already rolled back: the journal ${journal} records nothing left to delete on ` +
        target,
    });
    return;
  }
  if (options.dryrun) {
    // Asked for, so shown under -q too.
    printHuman(verdictLine({
      ok: true,
      text: present.length > 0
        ? `dry run: would delete ${describeCounts(present)}; nothing was changed`
        : "dry run: nothing to delete; nothing was changed",
    }));
    return;
  }
  const { result, settingsNotRestored } = outcome;
  const failed = [
    ...result.failed.map(rolledBackLabel),
    ...settingsNotRestored.map((index) => `settings of ${index}`),
  ];
  const summary = `rolled back ${result.deleted.length}` +
    (result.missing.length ? `, ${result.missing.length} already gone` : "");
  if (outcome.lifted.length > 0) {
    printSummary(`the source accepts writes again: ${outcome.lifted.join(", ")}`);
  }
  // A failure's line shows under -q too: the error below names only the first.
  if (failed.length > 0) {
    printHuman(verdictLine({ ok: false, text: `${summary}; not undone: ${failed.join(", ")}` }));
  } else printVerdict({ ok: !outcome.failure, text: summary });
  if (outcome.failure) throw outcome.failure;
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
  const parts = DELETE_ORDER
    .map((kind) => ({ kind, count: items.filter((item) => item.kind === kind).length }))
    .filter(({ count }) => count > 0)
    .map(({ kind, count }) => plural(count, KIND_LABELS[kind]));
  if (parts.length === 0) return "nothing";
  return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}

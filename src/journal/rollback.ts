/**
 * Deletes what a journal recorded, newest first, and only that: indices before the templates
 * that may have shaped them, then index templates before the component templates they use.
 * {@link previewRollback} says beforehand what that would delete, changing nothing;
 * {@link rollBackRun} is the whole undo `rollback` does (list, ask, delete, restore, unfreeze).
 */
import type { ClusterClient } from "../cluster/client.ts";
import { countDocuments } from "../cluster/count.ts";
import { BadInputError, FetchMigrationError, messageOf } from "../errors.ts";
import { plural } from "../text.ts";
import { checkJournalFlag, pathState } from "./file-flags.ts";
import { type CreatedKind, Journal, type JournalEntry } from "./journal.ts";
import { lockJournal } from "./lock.ts";
import { creationPath } from "./paths.ts";
import { liftFreeze, restoreTunedSettings } from "./undo.ts";

/** What a rollback did. */
export interface RollbackResult {
  deleted: RolledBackItem[];
  /** Already gone (404): nothing to do. */
  missing: RolledBackItem[];
  /** Refused: each with the status the target answered. */
  failed: Array<RolledBackItem & { status: number }>;
}

/** One created thing a rollback dealt with. */
export interface RolledBackItem {
  kind: CreatedKind;
  name: string;
}

/** "index logs-1", or "index logs-1 (403)" for a refused delete. */
export function rolledBackLabel(item: RolledBackItem & { status?: number }): string {
  return `${item.kind} ${item.name}` + (item.status === undefined ? "" : ` (${item.status})`);
}

/** One thing a rollback would delete, as it stands on the target now. */
export interface RollbackItem {
  kind: CreatedKind;
  name: string;
  /** Whether the target still has it; a rollback of one it has not is a no-op. */
  exists: boolean;
  /** Indices only: top-level documents on the target now (`null` when the index is gone). */
  documents?: number | null;
}

/** Requests in flight at once while looking at the target for a preview. */
const PREVIEW_CONCURRENCY = 8;

/**
 * The journal's entries a rollback deletes, in the order it deletes them (newest first): those
 * created, and those pending (possibly created just before a crash).
 */
export function entriesToRollBack(journal: Journal): JournalEntry[] {
  const rank = (entry: JournalEntry) => DELETE_ORDER.indexOf(entry.kind);
  // Newest first, and by kind: a template a data stream uses cannot go before the stream.
  return journal.data.entries
    .filter((entry) => entry.status === "created" || entry.status === "pending")
    .reverse()
    .sort((a, b) => rank(a) - rank(b));
}

/** The order kinds are deleted in: what uses something goes before it. */
export const DELETE_ORDER: readonly CreatedKind[] = [
  "index",
  "data-stream",
  "legacy",
  "index-template",
  "component",
  "ingest-pipeline",
];

/** Deletions sent at once at most (as creations: the target sets the pace). */
const DELETE_CONCURRENCY = 8;

/**
 * What {@link rollBack} would delete, in its order, each looked up on the target: whether it is
 * still there and, for an index, how many documents it holds now (they would go with it).
 * Read-only.
 */
export async function previewRollback(
  client: ClusterClient,
  journal: Journal,
): Promise<RollbackItem[]> {
  const entries = entriesToRollBack(journal);
  const items: RollbackItem[] = new Array(entries.length);
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const at = next++;
      items[at] = await lookUp(client, entries[at]);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(PREVIEW_CONCURRENCY, entries.length) }, worker),
  );
  return items;
}

async function lookUp(client: ClusterClient, entry: JournalEntry): Promise<RollbackItem> {
  const { kind, name } = entry;
  if (kind === "index" || kind === "data-stream") {
    const documents = await countDocuments(client, name);
    return { kind, name, exists: documents !== null, documents };
  }
  const response = await client.request("GET", creationPath(kind, name), { idempotent: true });
  // Anything but a 404 counts as there: the delete itself will say what is wrong.
  return { kind, name, exists: response.status !== 404 };
}

/** Deletes every created (or possibly created) entry of the journal, in reverse order. */
export async function rollBack(
  client: ClusterClient,
  journal: Journal,
  onProgress?: (done: number, total: number) => void,
): Promise<RollbackResult> {
  const result: RollbackResult = { deleted: [], missing: [], failed: [] };
  const entries = entriesToRollBack(journal);
  let done = 0;
  // A refused credential stops the rollback at once, naming the permission to grant.
  let refused: Error | undefined;
  const remove = async (entry: JournalEntry) => {
    const item = { kind: entry.kind, name: entry.name };
    const path = creationPath(entry.kind, entry.name);
    const response = await client.request("DELETE", path);
    if (response.status === 401 || response.status === 403) {
      refused ??= client.httpError("DELETE", path, response);
      result.failed.push({ ...item, status: response.status });
    } else if (response.status >= 200 && response.status < 300) {
      result.deleted.push(item);
      await journal.mark(entry, "rolled-back");
    } else if (response.status === 404) {
      result.missing.push(item);
      await journal.mark(entry, "rolled-back");
    } else {
      result.failed.push({ ...item, status: response.status });
    }
    onProgress?.(++done, entries.length);
  };
  // One kind after another (see DELETE_ORDER), those of a kind a few at a time.
  for (const kind of DELETE_ORDER) {
    const queue = entries.filter((entry) => entry.kind === kind);
    const worker = async () => {
      while (queue.length > 0 && !refused) await remove(queue.shift()!);
    };
    await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, queue.length) }, worker));
    if (refused) break;
  }
  await journal.finish(result.failed.length === 0 ? "rolled-back" : "failed");
  if (refused) throw refused;
  return result;
}

/** How `rollback` goes about it: see {@link rollBackRun}. */
export interface RollbackRunOptions {
  /** List what would be deleted and change nothing. */
  dryrun: boolean;
  /** Called after each delete. */
  onProgress?: (done: number, total: number) => void;
  /** Asked with the list, before anything is deleted; `false` cancels (nothing deleted). */
  confirm?: (present: RollbackItem[]) => Promise<boolean>;
  /** Called with the list once it is known, before the question and the deletes. */
  onList?: (items: RollbackItem[]) => void;
  /** The source, when the operator named it: a `sync --freeze-source` block is lifted there. */
  openSource?: () => Promise<ClusterClient>;
}

/** What a rollback of one run's journal did, or (dry run) would do. */
export interface RollbackRunOutcome {
  /** The journal recorded nothing left to delete: a rollback ran already; nothing was asked. */
  alreadyRolledBack: boolean;
  /** What the journal records, each as it stands on the target (empty when already rolled back). */
  items: RollbackItem[];
  result: RollbackResult;
  /** Indices whose refresh interval and replicas could not be put back. */
  settingsNotRestored: string[];
  /** Source indices whose write block was lifted. */
  lifted: string[];
  /** Set unless everything was undone: what is left, and what to run. */
  failure?: FetchMigrationError;
}

/**
 * The undo of one run: checks the journal is about this target, lists what it created as it
 * stands now, asks, deletes it newest first, gives the indices it only filled their tuned
 * settings back, and lifts a `--freeze-source` write block on the source. A replayed rollback of
 * a journal with nothing left asks nothing of the target: a name created again since is safe.
 */
export async function rollBackRun(
  target: ClusterClient,
  journal: Journal,
  options: RollbackRunOptions,
): Promise<RollbackRunOutcome> {
  if (target.url !== journal.data.target) {
    throw new BadInputError(
      `the journal ${journal.path} is for ${journal.data.target}, not ${target.url}`,
      "point --target (or the pipeline's sink) at the cluster the run changed",
    );
  }
  const outcome: RollbackRunOutcome = {
    alreadyRolledBack: false,
    items: [],
    result: { deleted: [], missing: [], failed: [] },
    settingsNotRestored: [],
    lifted: [],
  };
  if (entriesToRollBack(journal).length === 0 && journal.data.status === "rolled-back") {
    return { ...outcome, alreadyRolledBack: true };
  }
  outcome.items = await previewRollback(target, journal);
  options.onList?.(outcome.items);
  const present = outcome.items.filter((item) => item.exists);
  if (options.dryrun) return outcome;
  if (options.confirm && present.length > 0 && !await options.confirm(present)) {
    throw new FetchMigrationError(
      "interrupted",
      `rollback cancelled: nothing was deleted on ${target.url}`,
      "run it again and answer y, or pass --yes",
    );
  }
  // A run still writing this journal would recreate what is deleted, or record more.
  await using _lock = await lockJournal(journal.path);
  outcome.result = await rollBack(target, journal, options.onProgress);
  // Indices the run only filled (not created) keep living: give them their settings back.
  outcome.settingsNotRestored = await restoreTunedSettings(target, journal);
  const failed = [
    ...outcome.result.failed,
    ...outcome.settingsNotRestored.map((index) => `settings of ${index}`),
  ];
  if (failed.length > 0) {
    outcome.failure = new FetchMigrationError(
      "refused",
      `${plural(failed.length, "creation")} of the journal ${journal.path} could not be undone`,
      "see the list above; run rollback again once the target accepts the deletes",
    );
    return outcome;
  }
  return await liftFrozenSource(outcome, journal, options.openSource);
}

/**
 * A sync journal's `--freeze-source` write block, lifted when the source is named; without it,
 * the rollback ends non-zero saying how to lift it.
 */
async function liftFrozenSource(
  outcome: RollbackRunOutcome,
  journal: Journal,
  openSource: RollbackRunOptions["openSource"],
): Promise<RollbackRunOutcome> {
  const frozen = journal.data.sync?.frozen ?? [];
  if (frozen.length === 0) return outcome;
  if (!openSource) {
    outcome.failure = new FetchMigrationError(
      "incomplete",
      `the source's ${frozen.join(", ")} still refuse writes: sync --freeze-source set a write ` +
        "block there",
      "run rollback again with the source too (--source URL, or the pipeline), or sync " +
        "--unfreeze with the same endpoints",
    );
    return outcome;
  }
  const source = await openSource();
  try {
    outcome.lifted = await liftFreeze(source, journal);
  } finally {
    source.close();
  }
  return outcome;
}

/**
 * The journal `rollback --journal FILE` names, after checking the file is one (a directory or a
 * file of something else is refused and left alone).
 */
export async function loadJournalToUndo(path: string): Promise<Journal> {
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

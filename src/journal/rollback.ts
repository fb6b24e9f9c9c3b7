/**
 * Deletes what a journal recorded, newest first, and only that: indices before the templates
 * that may have shaped them, then index templates before the component templates they use.
 * {@link previewRollback} says beforehand what that would delete, changing nothing.
 */
import type { ClusterClient } from "../cluster/client.ts";
import { countDocuments } from "../cluster/count.ts";
import { creationPath } from "../metadata/paths.ts";
import type { CreatedKind, Journal, JournalEntry } from "./journal.ts";

/** What a rollback did. */
export interface RollbackResult {
  deleted: string[];
  /** Already gone (404): nothing to do. */
  missing: string[];
  failed: string[];
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
  return journal.data.entries
    .filter((entry) => entry.status === "created" || entry.status === "pending")
    .reverse();
}

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
  if (kind === "index") {
    const documents = await countDocuments(client, name);
    return { kind, name, exists: documents !== null, documents };
  }
  const response = await client.request("GET", creationPath(kind, name), { idempotent: true });
  // Anything but a 404 counts as there: the delete itself will say what is wrong.
  return { kind, name, exists: response.status !== 404 };
}

/** Deletes every created (or possibly created) entry of the journal, in reverse order. */
export async function rollBack(client: ClusterClient, journal: Journal): Promise<RollbackResult> {
  const result: RollbackResult = { deleted: [], missing: [], failed: [] };
  for (const entry of entriesToRollBack(journal)) {
    const label = `${entry.kind} ${entry.name}`;
    const response = await client.request("DELETE", creationPath(entry.kind, entry.name));
    if (response.status >= 200 && response.status < 300) {
      result.deleted.push(label);
      await journal.mark(entry, "rolled-back");
    } else if (response.status === 404) {
      result.missing.push(label);
      await journal.mark(entry, "rolled-back");
    } else {
      result.failed.push(`${label} (${response.status})`);
    }
  }
  await journal.finish(result.failed.length === 0 ? "rolled-back" : "failed");
  return result;
}

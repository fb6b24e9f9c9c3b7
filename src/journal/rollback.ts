/**
 * Deletes what a journal recorded, newest first, and only that: indices before the templates
 * that may have shaped them, then index templates before the component templates they use.
 */
import type { ClusterClient } from "../cluster/client.ts";
import { creationPath } from "../metadata/paths.ts";
import type { Journal } from "./journal.ts";

/** What a rollback did. */
export interface RollbackResult {
  deleted: string[];
  /** Already gone (404): nothing to do. */
  missing: string[];
  failed: string[];
}

/** Deletes every created (or possibly created) entry of the journal, in reverse order. */
export async function rollBack(client: ClusterClient, journal: Journal): Promise<RollbackResult> {
  const result: RollbackResult = { deleted: [], missing: [], failed: [] };
  const entries = journal.data.entries.filter((entry) =>
    // A pending entry may have been created just before a crash; a 404 will tell.
    entry.status === "created" || entry.status === "pending"
  );
  for (const entry of entries.reverse()) {
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

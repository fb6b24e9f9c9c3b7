/**
 * The journal of `run`: one per source and target pair at a path derived from them, so running
 * the same command again finds the last run's journal and continues it.
 */
import { createHash } from "node:crypto";
import { Journal, newRunId } from "./journal.ts";

/** `.fetch-migration/run-<12 hex digits of the pair>.json`. */
export function runJournalPath(sourceUrl: string, targetUrl: string): string {
  const key = createHash("sha256").update(`${sourceUrl}\n${targetUrl}`).digest("hex").slice(0, 12);
  return `.fetch-migration/run-${key}.json`;
}

/** The journal a run works with, and whether it continues an unfinished one. */
export interface OpenedRunJournal {
  journal: Journal;
  /** An earlier run's backfill is unfinished: continue it rather than plan again. */
  resuming: boolean;
  /** Where an earlier, finished run's journal was moved to make room, if it was. */
  archivedTo?: string;
}

/**
 * Opens the run journal at `path`: continues an unfinished backfill of the same pair, or moves
 * a finished (or rolled back) journal aside, where it stays usable for `rollback`, and starts a
 * new one.
 */
export async function openRunJournal(
  path: string,
  sourceUrl: string,
  targetUrl: string,
): Promise<OpenedRunJournal> {
  let previous: Journal | undefined;
  try {
    previous = await Journal.load(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (previous) {
    if (previous.data.target !== targetUrl) {
      throw new JournalMismatchError(
        `the journal ${path} is for the target ${previous.data.target}, not ${targetUrl}`,
      );
    }
    const backfill = previous.data.backfill;
    if (backfill && backfill.source !== sourceUrl) {
      throw new JournalMismatchError(
        `the journal ${path} copies from ${backfill.source}, not from ${sourceUrl}`,
      );
    }
    if (backfill && backfill.status !== "completed" && previous.data.status !== "rolled-back") {
      return { journal: previous, resuming: true };
    }
    const archivedTo = path.replace(/\.json$/, "") + `.${previous.data.runId}.json`;
    await Deno.rename(path, archivedTo);
    const journal = await Journal.create(path, newRunId(), targetUrl);
    return { journal, resuming: false, archivedTo };
  }
  return { journal: await Journal.create(path, newRunId(), targetUrl), resuming: false };
}

/** A journal that belongs to another cluster pair. */
export class JournalMismatchError extends Error {}

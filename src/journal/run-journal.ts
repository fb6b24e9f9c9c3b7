/**
 * The journal of `run`: one per source and target pair, at a path derived from them in the
 * per-user state directory, so running the same command again, from any directory, finds the
 * last run's journal and continues it.
 */
import { createHash } from "node:crypto";
import { BadInputError } from "../errors.ts";
import { Journal, newRunId, stateDirectory } from "./journal.ts";

/**
 * `<state dir>/run-<12 hex digits of the pair>.json`: the same from any working directory. With
 * `pipelineName` (a file of several pipelines, each with its own journal),
 * `run-<12 hex digits of the pair and the name>-<name>.json`.
 */
export function runJournalPath(
  sourceUrl: string,
  targetUrl: string,
  directory: string = stateDirectory(),
  pipelineName?: string,
): string {
  const hash = createHash("sha256").update(`${sourceUrl}\n${targetUrl}`);
  if (pipelineName === undefined) return `${directory}/run-${hash.digest("hex").slice(0, 12)}.json`;
  // The name is in the hash too, so names that read the same once made safe stay apart.
  const key = hash.update(`\n${pipelineName}`).digest("hex").slice(0, 12);
  return `${directory}/run-${key}-${pipelineName.replace(/[^A-Za-z0-9_.-]/g, "_")}.json`;
}

/**
 * A file of its own for one pipeline of a file holding several, next to the one given:
 * `run.json` → `run.<pipeline>.json`, `letters.ndjson` → `letters.<pipeline>.ndjson`.
 */
export function perPipelinePath(path: string, pipelineName: string): string {
  const safe = pipelineName.replace(/[^A-Za-z0-9_.-]/g, "_");
  return path.replace(/(\.[^./]*)?$/, (extension) => `.${safe}${extension}`);
}

/**
 * The journal at `path` if there is one, after checking it is about this source and target.
 * Reading changes nothing, so a dry run may look too.
 */
export async function loadRunJournal(
  path: string,
  sourceUrl: string,
  targetUrl: string,
): Promise<Journal | undefined> {
  let journal: Journal;
  try {
    journal = await Journal.load(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const hint = "pass another --journal file for this pair of clusters";
  if (journal.data.target !== targetUrl) {
    throw new BadInputError(
      `the journal ${path} is for the target ${journal.data.target}, not ${targetUrl}`,
      hint,
    );
  }
  const source = journal.data.backfill?.source;
  if (source !== undefined && source !== sourceUrl) {
    throw new BadInputError(
      `the journal ${path} copies from ${source}, not from ${sourceUrl}`,
      hint,
    );
  }
  return journal;
}

/** Whether a journal holds a copy that has not finished (and was not rolled back). */
export function isUnfinished(journal: Journal): boolean {
  const backfill = journal.data.backfill;
  return !!backfill && backfill.status !== "completed" && journal.data.status !== "rolled-back";
}

/**
 * Starts a new run's journal at `path`. A finished (or rolled back) journal there is moved
 * aside first, where it stays usable for `rollback`; returns where it went.
 */
export async function startRunJournal(
  path: string,
  previous: Journal | undefined,
  targetUrl: string,
): Promise<{ journal: Journal; archivedTo?: string }> {
  let archivedTo: string | undefined;
  if (previous) {
    archivedTo = path.replace(/\.json$/, "") + `.${previous.data.runId}.json`;
    await Deno.rename(path, archivedTo);
  }
  return { journal: await Journal.create(path, newRunId(), targetUrl), archivedTo };
}

/**
 * The journal of `run`: one per source and target pair, at a path derived from them in the
 * per-user state directory, so running the same command again, from any directory, finds the
 * last run's journal and continues it.
 */
import { createHash } from "node:crypto";
import { BadInputError } from "../errors.ts";
import { Journal, type JournalData, newRunId, stateDirectory } from "./journal.ts";

/**
 * `--part k/N`: one of N processes that share a run's selection, each copying the primary shards
 * that hash to it (see `partOf` in backfill/units.ts). `index` is k, from 1 to `count`.
 */
export interface RunPart {
  index: number;
  count: number;
}

/** `1/3` → part 1 of 3; anything else is bad input naming the expected form. */
export function parsePart(text: string): RunPart {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || index < 1 || index > count || !Number.isSafeInteger(count)) {
    throw new BadInputError(
      `--part ${text}: expected k/N with 1 <= k <= N, e.g. --part 1/3`,
      "run N processes, --part 1/N to --part N/N, each with its own journal",
    );
  }
  return { index, count };
}

/** `part-2-of-3`: the part in file names (journals, dead-letter files). */
export function partLabel(part: RunPart): string {
  return `part-${part.index}-of-${part.count}`;
}

/**
 * The name a part's journal is derived with ({@link runJournalPath}'s `pipelineName`): the part's
 * label, after the pipeline's name when a file holds several.
 */
export function partJournalName(part: RunPart, pipelineName?: string): string {
  return pipelineName === undefined ? partLabel(part) : `${pipelineName}-${partLabel(part)}`;
}

/** A run journal's data with the part it copies (absent: the whole selection). */
type PartJournalData = JournalData & { part?: string };

/** Records in a new journal which part it copies, so another part never continues it. */
export async function recordPart(journal: Journal, part: RunPart | undefined): Promise<void> {
  if (!part) return;
  (journal.data as PartJournalData).part = `${part.index}/${part.count}`;
  await journal.save();
}

/**
 * Refuses to continue, as `part`, a journal another part (or a whole run) started: its slices
 * are another share of the shards.
 */
export function checkJournalPart(journal: Journal, part: RunPart | undefined): void {
  const recorded = (journal.data as PartJournalData).part;
  const wanted = part ? `${part.index}/${part.count}` : undefined;
  if (recorded === wanted) return;
  const what = (label: string | undefined) =>
    label === undefined ? "the whole selection" : `part ${label.replace("/", " of ")}`;
  throw new BadInputError(
    `the journal ${journal.path} copies ${what(recorded)}, not ${what(wanted)}`,
    "each part needs its own journal: leave out --journal (the default is derived from the " +
      "part), or pass another file",
  );
}

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

/** Where a run keeps its files: the journal, and the dead-letter file of refused documents. */
export interface RunFiles {
  journal: string;
  deadLetter: string;
}

/**
 * The one place that decides a run's files. A `--journal`/`--dead-letter` given is used as is,
 * or, for one pipeline of a file holding several, beside it with the pipeline's name; else the
 * journal is the pair's (and the part's, the pipeline's) in the state directory, and the
 * dead-letter file sits beside the journal.
 */
export function runFiles(run: {
  sourceUrl: string;
  targetUrl: string;
  /** `--journal` as given. */
  journal?: string;
  /** `--dead-letter` as given. */
  deadLetter?: string;
  /** Set when the run is one pipeline of a file holding several. */
  pipelineName?: string;
  part?: RunPart;
  directory?: string;
}): RunFiles {
  const own = (path: string) =>
    run.pipelineName === undefined ? path : perPipelinePath(path, run.pipelineName);
  const name = run.part ? partJournalName(run.part, run.pipelineName) : run.pipelineName;
  const journal = run.journal !== undefined
    ? own(run.journal)
    : runJournalPath(run.sourceUrl, run.targetUrl, run.directory, name);
  const deadLetter = run.deadLetter !== undefined
    ? own(run.deadLetter)
    : deadLetterPathBeside(journal);
  return { journal, deadLetter };
}

/** `<journal without .json>.dead-letter.ndjson`: where refused documents go by default. */
export function deadLetterPathBeside(journalPath: string): string {
  return journalPath.replace(/\.json$/, "") + ".dead-letter.ndjson";
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
 * Whether a run continues in this journal rather than a new one: it never started copying (a run
 * stopped or failed while creating, `--createonly`, `metadata`) and was not rolled back. What it
 * created stays recorded in one place, so one rollback undoes the whole run.
 */
export function continuesInPlace(journal: Journal): boolean {
  return !journal.data.backfill && journal.data.status !== "rolled-back";
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

/**
 * Every journal of a pair: the one at `path` and those earlier runs left beside it (moved aside
 * as `<name>.<run id>.json`), newest run first. Damaged files are left out.
 */
export async function pairJournals(path: string): Promise<Journal[]> {
  const slash = path.lastIndexOf("/");
  const directory = slash >= 0 ? path.slice(0, slash) : ".";
  const stem = path.slice(slash + 1).replace(/\.json$/, "");
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(directory)) {
      const rest = entry.name.startsWith(`${stem}.`) ? entry.name.slice(stem.length + 1) : "";
      const archived = /^\d{8}T\d{6}Z-[0-9a-f]{8}\.json$/.test(rest);
      if (entry.isFile && (entry.name === `${stem}.json` || archived)) {
        names.push(`${directory}/${entry.name}`);
      }
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  const journals = await Promise.all(
    names.map((name) => Journal.load(name).catch(() => undefined)),
  );
  return journals.filter((journal): journal is Journal => journal !== undefined)
    .sort((a, b) => b.data.startedAt.localeCompare(a.data.startedAt));
}

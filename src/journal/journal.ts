/**
 * What a run created on the target, written to disk before the run moves on, so `rollback` can
 * undo exactly that and nothing else, even after a crash; and how far its copy got. Journals
 * live in a per-user state directory, so a run continues whichever directory it is started from.
 */

import { pathExists } from "../fs.ts";
import { BadInputError, messageOf } from "../errors.ts";

/** The kinds of thing a run creates, in the order they are created. */
export type CreatedKind =
  | "ingest-pipeline"
  | "component"
  | "index-template"
  | "legacy"
  | "data-stream"
  | "index";

/** One creation. `pending` is written before the request, `created` after the cluster said yes. */
export interface JournalEntry {
  kind: CreatedKind;
  name: string;
  status: "pending" | "created" | "failed" | "rolled-back";
  at: string;
}

/** One slice of the native backfill: a range of `_seq_no` of one shard of one source index. */
export interface BackfillUnit {
  /** Stable name, e.g. `logs-1/s0/r1` (index, shard, range). */
  id: string;
  /** The index (or data stream) written, and counted, on the target. */
  index: string;
  /** A data stream's unit: the backing index read on the source (`index` is the stream). */
  source?: string;
  shard: number;
  /** First `_seq_no` of the range. */
  from: number;
  /** End of the range (excluded); `null` on a shard's last range, which follows new writes. */
  to: number | null;
  /** Last `_seq_no` whose document the target acknowledged, in order; `null` before any. */
  after: number | null;
  /** Documents this unit has copied, over every run. */
  copied: number;
  done: boolean;
  /**
   * Open ranges: the shard's local checkpoint taken (before a refresh of the source) as the last
   * pass began. Every operation up to it was visible to that pass, so `sync` may start there;
   * above it, a change still being written could have been stepped over.
   */
  settled?: number;
}

/** Target settings the engine changed for the load, with their values before, to restore. */
export interface TunedIndex {
  refresh_interval: string | null;
  number_of_replicas: string | null;
  /** Its final pipeline, set to `_none` while documents are copied (backfill/final-pipeline.ts). */
  final_pipeline?: string;
  restored: boolean;
}

/** How far the native backfill got, so a re-run continues instead of starting over. */
export interface BackfillState {
  /** Source URL without credentials: a re-run against another source starts afresh. */
  source: string;
  /** Indices being filled, with their top-level document counts at the start. */
  indices: Record<string, number>;
  units: BackfillUnit[];
  /**
   * Data streams of `indices`, each with its source backing indices oldest first: copied one
   * generation after the other, the target stream rolled over in between.
   */
  streams?: Record<string, string[]>;
  /** Indices whose refresh and replicas were changed by `--tune-target`. */
  tuned: Record<string, TunedIndex>;
  /** Documents in the dead-letter file now. */
  deadLetters: number;
  /** Per index, dead-lettered documents that a later run sent again and the target took. */
  recovered?: Record<string, number>;
  /** Indices a later run's selection left out, unfinished. */
  skipped?: string[];
  status: "running" | "completed" | "failed";
}

/** Per index, per shard number: the checkpoint. */
export type Checkpoints = Record<string, Record<string, number>>;

/** One pass, as the journal and the reports keep it. */
export interface PassRecord {
  pass: number;
  startedAt: string;
  endedAt: string;
  /** Documents copied (inserts and updates). */
  changes: number;
  /** Documents the target refused (in the dead-letter file). */
  refused: number;
  /** Documents deleted on the target. */
  deletes: number;
  /** Operations behind at the end of the pass (see {@link lagOf}). */
  lagDocuments: number;
  /** Whether this pass looked for deletes. */
  deletesChecked: boolean;
}

/** `sync`'s part of the run journal (src/sync/state.ts). */
export interface SyncState {
  checkpoints: Checkpoints;
  passes: number;
  changesTotal: number;
  deletesTotal: number;
  /** When the sync first began. */
  startedAt: string;
  last?: PassRecord;
  /** Start of the newest finished pass, and of the newest that looked for deletes. */
  lastPassStart?: string;
  lastDeletesStart?: string;
  /** Source indices given a write block by `--freeze-source`, to lift again. */
  frozen?: string[];
  /** Source indices that disappeared during the sync, reported once each. */
  gone?: string[];
}

/**
 * How a run or metadata step ended: `incomplete` when it ran to its end but something selected
 * did not arrive; `failed` when it stopped on an error.
 */
export type JournalStatus = "running" | "completed" | "incomplete" | "failed" | "rolled-back";

/** The journal file's content. */
export interface JournalData {
  version: 1;
  runId: string;
  /** Target URL without credentials: rollback refuses another cluster. */
  target: string;
  startedAt: string;
  status: JournalStatus;
  entries: JournalEntry[];
  /** Present once a native backfill started. */
  backfill?: BackfillState;
  /** `sync`'s checkpoints and passes, once the backfill is done. */
  sync?: SyncState;
}

/** A new run id: time-sortable and unique enough for one operator's runs. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `${stamp}-${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * Where journals go unless `--journal` says otherwise: `$XDG_STATE_HOME/fetch-migration`, else
 * `~/.local/state/fetch-migration`; never the working directory, so a re-run from elsewhere finds
 * the same journal.
 */
export function stateDirectory(env: { get(name: string): string | undefined } = Deno.env): string {
  const xdg = env.get("XDG_STATE_HOME");
  if (xdg) return `${xdg}/fetch-migration`;
  const home = env.get("HOME");
  if (home) return `${home}/.local/state/fetch-migration`;
  throw new BadInputError(
    "neither XDG_STATE_HOME nor HOME is set, so there is no place for the journal",
    "set HOME, or pass --journal FILE",
  );
}

/** How often {@link Journal.checkpoint} writes at most. */
export const CHECKPOINT_INTERVAL_MS = 1000;

/**
 * A journal file kept in step with every change (written whole, then renamed into place, so a
 * crash at any moment, `kill -9` included, leaves either the old or the new content).
 */
export class Journal {
  // Writes are chained: many slices checkpoint at once, and two writers of one temporary file
  // would corrupt it.
  #writing: Promise<void> = Promise.resolve();
  #pending = false;
  #lastCheckpoint = 0;
  #checkpointFailure: unknown = undefined;

  private constructor(readonly path: string, readonly data: JournalData) {}

  /** Starts a journal; refuses to overwrite an existing file. */
  static async create(path: string, runId: string, target: string): Promise<Journal> {
    const directory = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
    await Deno.mkdir(directory, { recursive: true });
    if (await pathExists(path)) {
      throw new BadInputError(
        `the journal ${path} exists already`,
        "pass another --journal file, or remove that one if its run is finished",
      );
    }
    const journal = new Journal(path, {
      version: 1,
      runId,
      target,
      startedAt: new Date().toISOString(),
      status: "running",
      entries: [],
    });
    await journal.save();
    return journal;
  }

  /** Reads a journal written by an earlier run. */
  static async load(path: string): Promise<Journal> {
    const text = await Deno.readTextFile(path);
    let data: JournalData;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new BadInputError(
        `the journal ${path} is damaged (${messageOf(error)}); it was cut short or edited`,
        "restore it from a copy, or move it aside: a new run then plans from what the " +
          "clusters hold (indices partly filled are named, and --restart copies them again)",
      );
    }
    if (
      typeof data !== "object" || data === null || data.version !== 1 ||
      !Array.isArray(data.entries)
    ) {
      throw new BadInputError(
        `${path} is not a Fetch Migration journal`,
        "pass the file a metadata or run command wrote",
      );
    }
    return new Journal(path, data);
  }

  /** Records that a creation is about to be sent; returns its entry for {@link mark}. */
  async begin(kind: CreatedKind, name: string): Promise<JournalEntry> {
    const entry: JournalEntry = { kind, name, status: "pending", at: new Date().toISOString() };
    this.data.entries.push(entry);
    await this.save();
    return entry;
  }

  /** Updates an entry's status and saves. */
  async mark(entry: JournalEntry, status: JournalEntry["status"]): Promise<void> {
    entry.status = status;
    entry.at = new Date().toISOString();
    await this.save();
  }

  /** Sets the run's status and saves. */
  async finish(status: JournalData["status"]): Promise<void> {
    this.data.status = status;
    await this.save();
  }

  /**
   * Saves progress a crash may lose a little of (a copy's checkpoints, which only mean less to
   * read again): written at most once per {@link CHECKPOINT_INTERVAL_MS}, anything newer by the
   * next write or the final {@link save}. Hundreds of pages a second each writing the whole
   * journal cost more than the copy's own work per page. A failed write is thrown here next.
   */
  checkpoint(): void {
    if (this.#checkpointFailure !== undefined) throw this.#checkpointFailure;
    const now = Date.now();
    if (now - this.#lastCheckpoint < CHECKPOINT_INTERVAL_MS) return;
    this.#lastCheckpoint = now;
    this.save().catch((error) => this.#checkpointFailure ??= error);
  }

  /**
   * Writes the current content. Calls while a write is under way are folded into one more
   * write, which starts after it and holds everything changed until then.
   */
  save(): Promise<void> {
    if (this.#pending) return this.#writing;
    this.#pending = true;
    this.#writing = this.#writing.then(async () => {
      this.#pending = false;
      const temporary = `${this.path}.tmp`;
      await Deno.writeTextFile(temporary, JSON.stringify(this.data, null, 2) + "\n");
      await Deno.rename(temporary, this.path);
    });
    return this.#writing;
  }
}

/**
 * Creates on the target what the plan says, in order (ingest pipelines, component templates,
 * index templates, legacy templates, data streams, indices), journaling each creation. On the
 * first failure it stops and, unless asked to keep them, deletes what this run created.
 *
 * Processes that create the same plan at once (`run --part k/N`) pass `whenExisting`: templates
 * are then created with `?create=true`, so a template another process created first is found
 * rather than overwritten, and a creation the target refuses because the name exists already
 * is asked about: when what exists is what this process would have created, it is not an error,
 * and it is not journaled (the rollback of this journal must not delete another's creation).
 */
import type { ClusterClient } from "../cluster/client.ts";
import { ClusterError } from "../cluster/errors.ts";
import { FetchMigrationError } from "../errors.ts";
import type { CreatedKind, Journal } from "../journal/journal.ts";
import { rollBack, rolledBackLabel } from "../journal/rollback.ts";
import { logger } from "../log.ts";
import { plural } from "../text.ts";
import { creationPath } from "../journal/paths.ts";
import { parseRejectedSettingKey } from "./transform.ts";
import type { Creation, Transformation } from "./types.ts";

const log = logger("apply");

/** What apply did. */
export interface ApplyResult {
  created: Array<{ kind: CreatedKind; name: string }>;
  /** Settings the target refused and that were dropped on a retry, each named. */
  transformations: Transformation[];
  /**
   * With `whenExisting`: creations found already made by another process, with the definition
   * this one would have created; not journaled.
   */
  existing?: Array<{ kind: CreatedKind; name: string }>;
}

/**
 * Whether what the target holds under a creation's name is what the creation would make:
 * `undefined` when it is, else what differs.
 */
export type ExistingCheck = (creation: Creation) => Promise<string | undefined>;

/** A create the target refused because the name is taken (index, or template with create=true). */
class AlreadyExists extends Error {}

/**
 * Whether an answer says the name exists already: 400 with `resource_already_exists_exception`
 * (indices), or `illegal_argument_exception` "... already exists" (templates with create=true).
 */
export function isAlreadyExists(status: number, body: unknown): boolean {
  if (status !== 400 || typeof body !== "object" || body === null) return false;
  const error = (body as { error?: { type?: unknown; reason?: unknown } }).error;
  if (typeof error !== "object" || error === null) return false;
  if (error.type === "resource_already_exists_exception") return true;
  return error.type === "illegal_argument_exception" && typeof error.reason === "string" &&
    /\balready exists\b/.test(error.reason);
}

/** Thrown when a creation failed; says whether what the run created was removed. */
export class ApplyError extends FetchMigrationError {
  constructor(
    message: string,
    hint: string,
    cause: unknown,
    /** Whether every creation of the run was deleted again (the target is as before). */
    readonly rolledBack: boolean,
  ) {
    super(
      cause instanceof ClusterError && cause.kind !== "http" ? "unreachable" : "refused",
      message,
      hint,
    );
  }
}

/** Sends one create; a setting the target calls unknown or private is dropped and retried once. */
async function create(
  client: ClusterClient,
  kind: CreatedKind,
  creation: Creation,
  transformations: Transformation[],
  exclusive: boolean,
): Promise<void> {
  const path = creationPath(kind, creation.name);
  // An index or data stream PUT never overwrites; a template PUT does unless told `create=true`
  // (a pipeline PUT does too, and takes no such flag: every part puts the same body).
  const template = kind === "component" || kind === "index-template" || kind === "legacy";
  // An index is made once the target accepted it; its primary starts meanwhile (the copy's
  // writes wait for it), so many creations share the target's cluster-state updates.
  const query = exclusive && template
    ? { create: "true" }
    : kind === "index"
    ? { wait_for_active_shards: "0" }
    : undefined;
  // A data stream takes no body: the target's matching index template shapes it.
  const body = creation.kind === "data-stream" ? undefined : creation.body;
  const first = await client.request("PUT", path, { body, query });
  if (first.status >= 200 && first.status < 300) return;
  if (exclusive && isAlreadyExists(first.status, first.body)) throw new AlreadyExists();
  const error = client.httpError("PUT", path, first, query);
  const key = error.reason ? parseRejectedSettingKey(error.reason) : undefined;
  if (!key || creation.kind !== "index") throw error;
  const retry = { ...creation.body, settings: withoutSetting(creation.body.settings, key) };
  log.warn`target refused setting ${key} of ${creation.name}; retrying without it`;
  const second = await client.request("PUT", path, { body: retry, query });
  if (exclusive && isAlreadyExists(second.status, second.body)) throw new AlreadyExists();
  if (second.status >= 200 && second.status < 300) {
    transformations.push({
      subject: creation.name,
      subjectKind: "index",
      rule: "target-rejected-setting",
      detail: `setting ${key} removed: the target refused it (${error.reason})`,
    });
    return;
  }
  throw client.httpError("PUT", path, second, query);
}

/** Removes a dotted key from nested settings (`index.foo.bar` or `foo.bar` under `index`). */
function withoutSetting(settings: Record<string, unknown>, key: string): Record<string, unknown> {
  const parts = key.split(".");
  const copy = structuredClone(settings);
  const remove = (node: Record<string, unknown>, path: string[]): void => {
    if (path.length === 1) {
      delete node[path[0]];
      return;
    }
    const next = node[path[0]];
    if (next && typeof next === "object") remove(next as Record<string, unknown>, path.slice(1));
  };
  remove(copy, parts);
  if (parts[0] === "index") remove(copy, parts.slice(1));
  // Flat keys too, as a plan built from flat settings may carry them.
  delete copy[key];
  return copy;
}

/**
 * Creations sent at once at most. The target applies them through its cluster state, which
 * batches those that wait together: with 16 at once, 300 indices take a third of the time they
 * take one by one (OpenSearch 3.6, README). The target's 429s are retried by the client.
 */
export const CREATE_CONCURRENCY = 16;

/** Thrown when the run was stopped while creating: what was created is journaled. */
export class CreationInterrupted extends FetchMigrationError {
  constructor(done: number, total: number, journalPath: string) {
    super(
      "interrupted",
      `interrupted while creating: ${done} of ${total} created, each recorded in ${journalPath}`,
      "run the same command again to create the rest and go on, or undo what was created with " +
        `\`fetch-migration rollback --journal ${journalPath}\``,
    );
  }
}

/** How the creations are made. */
export interface ApplyOptions {
  keepOnFailure: boolean;
  onProgress?: (done: number, total: number) => void;
  /** Processes creating the same plan at once: see the module comment. */
  whenExisting?: ExistingCheck;
  /** The run's stop (Ctrl-C, SIGTERM): nothing new is sent once it fires. */
  signal?: AbortSignal;
}

/** What goes wrong with one creation. */
interface CreationFailure {
  creation: Creation;
  error: unknown;
}

/**
 * Carries out the plan's creations, kind after kind in the plan's order (pipelines, templates,
 * data streams, indices), those of one kind {@link CREATE_CONCURRENCY} at a time. Stops starting
 * new ones at the first failure or when `signal` fires; what was sent is journaled either way.
 */
export async function applyCreations(
  client: ClusterClient,
  creations: Creation[],
  journal: Journal,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const result: Required<ApplyResult> = { created: [], existing: [], transformations: [] };
  let done = 0;
  let failure: CreationFailure | undefined;
  const stopped = () => failure !== undefined || !!options.signal?.aborted;
  for (const group of kindGroups(creations)) {
    const queue = [...group];
    const worker = async () => {
      while (queue.length > 0 && !stopped()) {
        const creation = queue.shift()!;
        try {
          await createOne(client, creation, journal, result, options.whenExisting);
        } catch (error) {
          failure ??= { creation, error };
          return;
        }
        options.onProgress?.(++done, creations.length);
      }
    };
    const workers = Promise.all(
      Array.from({ length: Math.min(CREATE_CONCURRENCY, group.length) }, worker),
    );
    // A stop does not wait for the answers in flight: their entries are journaled as sent
    // (`pending`), which a rollback deletes and a continued run takes as made if they were.
    await Promise.race([workers, aborted(options.signal)]);
    if (stopped()) break;
  }
  if (failure && !options.signal?.aborted) {
    throw await failed(client, journal, failure, result, options.keepOnFailure);
  }
  if (options.signal?.aborted) throw new CreationInterrupted(done, creations.length, journal.path);
  const { existing, ...rest } = result;
  return { ...rest, ...(options.whenExisting ? { existing } : {}) };
}

/** Resolves when `signal` fires (never without one). */
function aborted(signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return new Promise(() => {});
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true })
  );
}

/** Consecutive creations of one kind: those of a kind may go at once, kinds one after another. */
function kindGroups(creations: readonly Creation[]): Creation[][] {
  const groups: Creation[][] = [];
  for (const creation of creations) {
    const last = groups.at(-1);
    if (last && last[0].kind === creation.kind) last.push(creation);
    else groups.push([creation]);
  }
  return groups;
}

/** Sends one creation, journaled before and after; a name another process made is let be. */
async function createOne(
  client: ClusterClient,
  creation: Creation,
  journal: Journal,
  result: Required<ApplyResult>,
  whenExisting: ExistingCheck | undefined,
): Promise<void> {
  const kind = creation.kind;
  // Sent by a run of this journal that was killed before the answer: it may have been made.
  const sentBefore = journal.data.entries.find((entry) =>
    entry.kind === kind && entry.name === creation.name && entry.status === "pending"
  );
  const entry = sentBefore ?? await journal.begin(kind, creation.name);
  try {
    await create(client, kind, creation, result.transformations, !!whenExisting || !!sentBefore);
  } catch (error) {
    if (error instanceof AlreadyExists && sentBefore) {
      await journal.mark(entry, "created");
      result.created.push({ kind, name: creation.name });
      return;
    }
    if (!(error instanceof AlreadyExists) || !whenExisting) {
      await journal.mark(entry, "failed");
      throw error;
    }
    const differs = await whenExisting(creation);
    if (differs !== undefined) {
      await journal.mark(entry, "failed");
      throw new Error(
        `${creation.name} exists on the target already, with another definition: ${differs}`,
      );
    }
    // Another process created it, as this one would have: not this journal's to undo.
    journal.data.entries.splice(journal.data.entries.indexOf(entry), 1);
    await journal.save();
    result.existing.push({ kind, name: creation.name });
    return;
  }
  await journal.mark(entry, "created");
  result.created.push({ kind, name: creation.name });
}

/** The error of a failed creation, after undoing what this run created unless kept. */
async function failed(
  client: ClusterClient,
  journal: Journal,
  { creation, error }: CreationFailure,
  result: ApplyResult,
  keepOnFailure: boolean,
): Promise<ApplyError> {
  const reason = error instanceof Error ? error.message : String(error);
  const what = `creating ${creation.kind} ${creation.name} failed: ${reason}`;
  if (keepOnFailure) {
    return new ApplyError(
      `${what}; ${result.created.length} created before it were kept`,
      `fix the cause and re-run, or undo them with: fetch-migration rollback --journal ${journal.path}`,
      error,
      false,
    );
  }
  const undone = await rollBack(client, journal);
  return new ApplyError(
    `${what}; ${plural(undone.deleted.length, "creation")} of this run rolled back, the target ` +
      "is as before",
    undone.failed.length > 0
      ? `some could not be deleted: ${
        undone.failed.map(rolledBackLabel).join(", ")
      }; see ${journal.path}`
      : "fix the cause (see the target's reason above) and run again",
    error,
    undone.failed.length === 0,
  );
}

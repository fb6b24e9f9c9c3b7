/**
 * Creates on the target what the plan says, in order (component templates, index templates,
 * legacy templates, data streams, indices), journaling each creation. On the first failure it stops and, unless
 * asked to keep them, deletes what this run created.
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
import { rollBack } from "../journal/rollback.ts";
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
  const query = exclusive && template ? { create: "true" } : undefined;
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

/** Carries out the plan's creations. */
export async function applyCreations(
  client: ClusterClient,
  creations: Creation[],
  journal: Journal,
  options: {
    keepOnFailure: boolean;
    onProgress?: (done: number, total: number) => void;
    /** Processes creating the same plan at once: see the module comment. */
    whenExisting?: ExistingCheck;
  },
): Promise<ApplyResult> {
  const created: ApplyResult["created"] = [];
  const existing: NonNullable<ApplyResult["existing"]> = [];
  const transformations: Transformation[] = [];
  const { whenExisting } = options;
  for (const [position, creation] of creations.entries()) {
    const kind = creation.kind;
    const entry = await journal.begin(kind, creation.name);
    try {
      try {
        await create(client, kind, creation, transformations, !!whenExisting);
      } catch (error) {
        if (!(error instanceof AlreadyExists) || !whenExisting) throw error;
        const differs = await whenExisting(creation);
        if (differs !== undefined) {
          throw new Error(
            `${creation.name} exists on the target already, with another definition: ${differs}`,
          );
        }
        // Another process created it, as this one would have: not this journal's to undo.
        journal.data.entries.splice(journal.data.entries.indexOf(entry), 1);
        await journal.save();
        existing.push({ kind, name: creation.name });
        options.onProgress?.(position + 1, creations.length);
        continue;
      }
    } catch (error) {
      await journal.mark(entry, "failed");
      const reason = error instanceof Error ? error.message : String(error);
      if (options.keepOnFailure) {
        throw new ApplyError(
          `creating ${kind} ${creation.name} failed: ${reason}; ${created.length} created before it were kept`,
          `fix the cause and re-run, or undo them with: fetch-migration rollback --journal ${journal.path}`,
          error,
          false,
        );
      }
      const undone = await rollBack(client, journal);
      throw new ApplyError(
        `creating ${kind} ${creation.name} failed: ${reason}; ${
          plural(undone.deleted.length, "creation")
        } of this run rolled back, the target is as before`,
        undone.failed.length > 0
          ? `some could not be deleted: ${undone.failed.join(", ")}; see ${journal.path}`
          : "fix the cause (see the target's reason above) and run again",
        error,
        undone.failed.length === 0,
      );
    }
    await journal.mark(entry, "created");
    created.push({ kind, name: creation.name });
    options.onProgress?.(position + 1, creations.length);
  }
  return { created, transformations, ...(whenExisting ? { existing } : {}) };
}

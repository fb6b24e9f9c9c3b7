/**
 * The run flow's judgements, pure: whether the two clusters make a migration at all, what of the
 * selection cannot be migrated, and what a finished run still lacks.
 */
import { type ClusterInfo, isOlderTarget } from "../cluster/version.ts";
import { BadInputError, FetchMigrationError } from "../errors.ts";
import type { RunPart } from "../journal/run-journal.ts";
import { unmatchedIncludes } from "../metadata/selection.ts";
import { emptyBuckets } from "../metadata/plan.ts";
import { plural } from "../text.ts";
import type { Buckets, Creation, MigrationPlan, PlanOptions } from "../metadata/types.ts";
import type { CopyOutcome, Engine } from "./engine.ts";
import type { IndexCounts } from "./io.ts";

/** A selected index the run cannot migrate, with why. */
export interface Unmigratable {
  name: string;
  bucket: "conflicting" | "unsupported" | "unhealthy";
  reason: string;
}

/**
 * Refuses a source that is the target (same URL, or the same `cluster_uuid` behind two URLs)
 * and a target that is not OpenSearch, unless `allowElasticsearchTarget`.
 */
export function checkClusterPair(
  urls: { source: string; target: string },
  info: { source: ClusterInfo; target: ClusterInfo },
  allowElasticsearchTarget: boolean,
): void {
  const sameUuid = info.source.clusterUuid !== undefined &&
    info.source.clusterUuid === info.target.clusterUuid;
  if (urls.source === urls.target || sameUuid) {
    throw new BadInputError(
      `the source and the target are the same cluster (${urls.target}` +
        (sameUuid ? `, cluster_uuid ${info.target.clusterUuid}` : "") + ")",
      "point the target (--target, or the pipeline's sink) at the OpenSearch cluster to fill",
    );
  }
  if (info.target.distribution !== "opensearch" && !allowElasticsearchTarget) {
    throw new BadInputError(
      `the target ${urls.target} is Elasticsearch ${info.target.version}, not OpenSearch: ` +
        "the plan's rules adapt definitions for OpenSearch",
      "point the target at an OpenSearch cluster, or pass --allow-elasticsearch-target to " +
        "write into Elasticsearch anyway",
    );
  }
}

/**
 * Refuses a target that runs an older release of the source's product (OpenSearch 2 into 1,
 * 3 into 2...), unless `allowOlderTarget`: what a newer version wrote (field types, settings,
 * analysis) may be refused or read differently there, and such a pair is most often the source
 * and the target given the wrong way round.
 */
export function checkTargetNotOlder(
  urls: { source: string; target: string },
  info: { source: ClusterInfo; target: ClusterInfo },
  allowOlderTarget: boolean,
): void {
  if (allowOlderTarget || !isOlderTarget(info.source, info.target)) return;
  throw new BadInputError(olderTargetMessage(urls, info), olderTargetHint());
}

/** What {@link checkTargetNotOlder} says, also printed by `plan` as a warning. */
export function olderTargetMessage(
  urls: { source: string; target: string },
  info: { source: ClusterInfo; target: ClusterInfo },
): string {
  const name = (i: ClusterInfo) =>
    `${i.distribution === "opensearch" ? "OpenSearch" : "Elasticsearch"} ${i.version}`;
  return `the target ${urls.target} runs ${name(info.target)}, older than the source ` +
    `${urls.source} (${name(info.source)}): what the newer version's indices and templates ` +
    "hold (field types, settings, analysis) may be refused or read differently by the older one";
}

/** The way out of {@link checkTargetNotOlder}. */
export function olderTargetHint(): string {
  return "check that the source and the target (--source/--target, or the pipeline's source " +
    "and sink) are not the wrong way round; to migrate to the older version anyway, pass " +
    "--allow-older-target";
}

/**
 * Every source name a selection can match, system ones aside: indices (hidden ones included),
 * data streams, and their backing indices (which select their stream).
 */
export function sourceIndexNames(plan: MigrationPlan): string[] {
  const { indices, data_streams } = plan;
  return [
    ...plan.left_out.map(({ name }) => name),
    ...data_streams.excluded,
    ...data_streams.identical,
    ...[
      ...data_streams.create,
      ...data_streams.identical_empty,
      ...data_streams.partially_filled,
      ...data_streams.unsupported,
    ].flatMap(({ name, backing_indices }) => [name, ...backing_indices]),
    ...indices.create,
    ...indices.identical_empty,
    ...indices.identical,
    ...indices.partially_filled.map(({ name }) => name),
    ...indices.conflicting.map(({ name }) => name),
    ...indices.unhealthy.map(({ name }) => name),
    ...indices.unsupported.map(({ name }) => name),
    ...indices.excluded.filter((name) => !name.startsWith(".")),
  ].sort();
}

/**
 * Refuses include patterns that match no index of the source (a typo must not "succeed"), and a
 * selection that leaves nothing once the excludes are applied.
 */
export function checkSelectionMatches(plan: MigrationPlan, options: PlanOptions): void {
  checkSomethingSelected(plan, options);
  const unmatched = unmatchedIncludes(options, sourceIndexNames(plan));
  if (unmatched.length === 0) return;
  const lines = unmatched.map(({ pattern, closest }) =>
    `${pattern} matches no index` +
    (closest.length > 0 ? ` (closest: ${closest.join(", ")})` : " (the source has no index)")
  );
  throw new BadInputError(
    `on the source ${plan.source.url}: ${lines.join("; ")}`,
    "correct the pattern (globs take * and ?; several patterns: repeat --include or separate " +
      "them with commas); `fetch-migration plan` lists every index",
  );
}

/** A narrowed selection that leaves none of the source's own indices and data streams. */
function checkSomethingSelected(plan: MigrationPlan, options: PlanOptions): void {
  const narrowed = options.exclude.length + options.excludeRegex.length > 0;
  const { indices, data_streams: streams } = plan.inventory;
  const selected = indices.migrating + indices.identical + indices.not_migratable +
    indices.hidden + streams.migrating + streams.identical + streams.not_migratable;
  const users = indices.source - indices.system - indices.backing + streams.source - streams.system;
  if (!narrowed || selected > 0 || users === 0) return;
  throw new BadInputError(
    `on the source ${plan.source.url}: the selection is empty: the excludes leave none of its ` +
      `${plural(users, "index or data stream", "indices and data streams")}`,
    "check --exclude (and the pipeline's indices.exclude); `fetch-migration plan` lists what " +
      "each pattern takes",
  );
}

/** Selected indices and data streams that the plan leaves alone because they cannot be migrated. */
export function unmigratableIndices(plan: MigrationPlan): Unmigratable[] {
  const { conflicting, unsupported, unhealthy } = plan.indices;
  return [
    ...plan.data_streams.unsupported.map(({ name, reason }) => ({
      name,
      bucket: "unsupported" as const,
      reason,
    })),
    ...plan.ingest_pipelines.unsupported.map(({ name, reason }) => ({
      name: `ingest pipeline ${name}`,
      bucket: "unsupported" as const,
      reason,
    })),
    ...plan.ingest_pipelines.conflicting.map(({ name, differences }) => ({
      name: `ingest pipeline ${name}`,
      bucket: "conflicting" as const,
      reason: `on the target with another definition (first difference: ${
        differences[0]?.path ?? "?"
      })`,
    })),
    ...conflicting.map(({ name, differences }) => ({
      name,
      bucket: "conflicting" as const,
      reason: `already on the target with another definition (${differences.length} ` +
        `${differences.length === 1 ? "difference" : "differences"}, first: ${
          differences[0]?.path ?? "?"
        })`,
    })),
    ...unsupported.map(({ name, reason }) => ({ name, bucket: "unsupported" as const, reason })),
    ...unhealthy.map(({ name, reason }) => ({ name, bucket: "unhealthy" as const, reason })),
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Indices whose target holds fewer documents than the source after the copy. */
export function shortfalls(counts: readonly IndexCounts[]): IndexCounts[] {
  return counts.filter(({ source, target }) => target === null || (source ?? 0) > target);
}

/** What a run that got to its end still lacks; empty when everything selected arrived. */
export interface Shortcomings {
  unmigratable: Unmigratable[];
  shortfalls: IndexCounts[];
  deadLettered: number;
  deadLetterFile?: string;
  deadLetterReasons: Record<string, number>;
  notRestored: string[];
  /** Selected indices that appeared on the source after this run was planned. */
  newSinceStart: string[];
  /** With `--verify`: indices whose documents differ, each with what differs. */
  verifyDiffers?: Array<{ index: string; details: string }>;
  /** With `--part`: slices of this part's share that are not done. */
  partSlicesLeft?: { part: RunPart; left: number; total: number };
}

/** Shortcomings with nothing in them, to fill in. */
export function nothingMissing(): Shortcomings {
  return {
    unmigratable: [],
    shortfalls: [],
    deadLettered: 0,
    deadLetterReasons: {},
    notRestored: [],
    newSinceStart: [],
  };
}

/**
 * The error that says what is missing and which command fixes it, or `undefined` when nothing
 * is: the single decision of whether a run succeeded.
 */
export function shortcomingsError(s: Shortcomings): FetchMigrationError | undefined {
  const lines: string[] = [];
  const hints: string[] = [];
  if (s.deadLettered > 0) {
    const reasons = Object.entries(s.deadLetterReasons)
      .sort((a, b) => b[1] - a[1])
      .map(([reason, count]) => `${count} ${reason}`)
      .join(", ");
    lines.push(
      `${count(s.deadLettered, "document")} refused by the target, in ${s.deadLetterFile}` +
        (reasons ? ` (${reasons})` : ""),
    );
    hints.push(
      "run the same command again: it sends the documents the target pushed back on " +
        "(429, 5xx) again; add --retry-dead-letters to send those refused for good (4xx) " +
        "too, once their cause is fixed",
    );
  }
  for (const { index, source, target } of s.shortfalls) {
    lines.push(
      target === null
        ? `${index}: not on the target`
        : `${index}: ${target} of ${source} documents on the target`,
    );
  }
  if (s.shortfalls.length > 0 && s.deadLettered === 0) {
    hints.push("`fetch-migration verify --checksums` names the missing documents");
  }
  for (const { name, bucket, reason } of s.unmigratable) {
    lines.push(`${name}: ${bucket}: ${reason}`);
  }
  if (s.unmigratable.length > 0) {
    hints.push(
      "fix them on the target or the source and run again, or leave them out on purpose " +
        "with --exclude NAME or --skip-unmigratable",
    );
  }
  if (s.notRestored.length > 0) {
    lines.push(`the load-time settings of ${s.notRestored.join(", ")} could not be restored`);
    hints.push("run the same command again, or `fetch-migration rollback --journal FILE`");
  }
  if (s.newSinceStart.length > 0) {
    lines.push(`${s.newSinceStart.join(", ")}: appeared on the source after this run started`);
    hints.push("run the same command again once this run is done: it migrates them");
  }
  if (s.partSlicesLeft && s.partSlicesLeft.left > 0) {
    const { part, left, total } = s.partSlicesLeft;
    lines.push(
      `${left} of ${count(total, "slice")} of part ${part.index} of ${part.count} not done`,
    );
    hints.push("run the same command again: it continues the part from its journal");
  }
  for (const { index, details } of s.verifyDiffers ?? []) {
    lines.push(`${index}: verify: ${details}`);
  }
  if ((s.verifyDiffers ?? []).length > 0) {
    hints.push("`fetch-migration verify --checksums` names the documents that differ");
  }
  if (lines.length === 0) return undefined;
  return new FetchMigrationError(
    "incomplete",
    `not everything selected was migrated:\n  - ${lines.join("\n  - ")}`,
    [...new Set(hints)].join("; "),
  );
}

function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? noun : plural}`;
}

/**
 * Refuses, before anything changes, what one part of several cannot do: compare whole indices
 * with `--verify` (the other parts may not be done; `verify --checksums` once they all are), or
 * copy with an engine that cannot continue (it would roll back indices the others fill).
 */
export function checkPartOptions(
  part: RunPart | undefined,
  verify: boolean,
  resumable: boolean,
): void {
  if (!part) return;
  const which = `part ${part.index} of ${part.count}`;
  if (verify) {
    throw new BadInputError(
      `--verify compares whole indices, and ${which} copies only its share of their shards`,
      "leave out --verify, and run `fetch-migration verify --checksums` once every part is done",
    );
  }
  if (!resumable) {
    throw new BadInputError(
      `--part needs an engine that continues from its journal; this one would roll back, on ` +
        "a failure, indices the other parts are filling",
      "copy with the native engine: --engine native",
    );
  }
}

/**
 * Refuses, before anything is created, data streams the engine cannot copy (it says why: Data
 * Prepper, a sync's first copy).
 */
export function checkDataStreamsCopyable(
  streams: Record<string, string[]>,
  engine: Pick<Engine, "dataStreamsRefused">,
): void {
  const names = Object.keys(streams).sort();
  const refusal = engine.dataStreamsRefused;
  if (names.length === 0 || !refusal) return;
  const list = `data ${names.length === 1 ? "stream" : "streams"} ${names.join(", ")}`;
  throw new BadInputError(`${refusal.why}, and the selection holds the ${list}`, refusal.hint);
}

/** The plan's buckets for the kind of thing a creation makes. */
function bucketsOf(plan: MigrationPlan, creation: Creation): Buckets {
  switch (creation.kind) {
    case "index":
      return plan.indices;
    case "ingest-pipeline":
      return plan.ingest_pipelines;
    case "component":
      return plan.templates.component;
    case "index-template":
      return plan.templates.index;
    case "legacy":
      return plan.templates.legacy;
    case "data-stream": {
      const streams = plan.data_streams;
      return {
        ...emptyBuckets(),
        identical: streams.identical,
        identical_empty: streams.identical_empty.map(({ name }) => name),
        partially_filled: streams.partially_filled.map((entry) => ({
          name: entry.name,
          source_documents: entry.documents,
          target_documents: entry.target_documents,
        })),
      };
    }
  }
}

/**
 * Under `--part`, a creation the target refused because the name is taken: whether what exists
 * is what this part would have created, judged by a plan read after the refusal (which compares
 * the definitions as every plan does). `undefined` when it is: the plan now has it identical
 * (empty, filled, or partly filled by the other parts); else what differs.
 */
export function existingDifference(plan: MigrationPlan, creation: Creation): string | undefined {
  const buckets = bucketsOf(plan, creation);
  const { name } = creation;
  if (
    buckets.identical.includes(name) || buckets.identical_empty.includes(name) ||
    buckets.partially_filled.some((entry) => entry.name === name)
  ) return undefined;
  const conflict = buckets.conflicting.find((entry) => entry.name === name);
  if (conflict) {
    return conflict.differences.slice(0, 3).map(({ path, source, target }) =>
      `${path}: ${source ?? "(none)"} on the source, ${target ?? "(none)"} on the target`
    ).join("; ") + (conflict.differences.length > 3 ? "; ..." : "");
  }
  if (buckets.create.includes(name)) {
    return "the target said it exists, yet a plan read afterwards does not find it (deleted " +
      "meanwhile?)";
  }
  const skipped = [...buckets.unhealthy, ...buckets.unsupported].find((entry) =>
    entry.name === name
  );
  return skipped ? skipped.reason : "the plan no longer selects it";
}

/**
 * What a part that did its share says: that the indices are whole only once every part is done,
 * and the command that then proves it.
 */
export function partDoneSummary(
  part: RunPart,
  copy: Pick<CopyOutcome, "copied" | "slicesTotal">,
  indices: readonly string[],
  verifyCommand: string,
): string {
  const slices = copy.slicesTotal === undefined ? "" : `${count(copy.slicesTotal, "slice")} of `;
  return `part ${part.index} of ${part.count} done: ${count(copy.copied, "document")} of its ` +
    `share copied (${slices}${count(indices.length, "index", "indices")}); when every part is ` +
    `done: ${verifyCommand}`;
}

/** Where a run's endpoints came from, for the commands it names: see {@link verifyCommand}. */
export interface CommandEndpoints {
  /** A pipeline file's path, `INLINE_PIPELINE`, or `flags`. */
  origin: string;
  sourceUrl: string;
  targetUrl: string;
  /** The pipeline of the file, when it names one. */
  pipelineName?: string;
}

/**
 * The `fetch-migration verify --checksums` command that checks what a run copied, with the
 * run's endpoints as the operator gave them (flags, the pipeline file, or `INLINE_PIPELINE` in
 * the environment) and its selection. The one place that writes it.
 */
export function verifyCommand(
  endpoints: CommandEndpoints,
  selection: Pick<PlanOptions, "include" | "exclude"> & { allowRed?: boolean },
): string {
  const words = ["fetch-migration", "verify", "--checksums"];
  if (endpoints.origin === "flags") {
    words.push("--source", endpoints.sourceUrl, "--target", endpoints.targetUrl);
  } else if (endpoints.origin !== "INLINE_PIPELINE") {
    words.push("--pipeline", endpoints.origin);
    if (endpoints.pipelineName !== undefined) words.push("--pipeline-name", endpoints.pipelineName);
  }
  for (const glob of selection.include) words.push("--include", glob);
  for (const glob of selection.exclude) words.push("--exclude", glob);
  if (selection.allowRed) words.push("--allow-red");
  return words.map(shellWord).join(" ");
}

/** `text` as one shell word: as is when plain, else in single quotes. */
export function shellWord(text: string): string {
  if (/^[A-Za-z0-9_.,:/@%+=-]+$/.test(text)) return text;
  return `'${text.replaceAll("'", "'\\''")}'`;
}

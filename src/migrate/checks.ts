/**
 * The run flow's judgements, pure: whether the two clusters make a migration at all, what of the
 * selection cannot be migrated, and what a finished run still lacks.
 */
import type { ClusterInfo } from "../cluster/version.ts";
import { BadInputError, FetchMigrationError } from "../errors.ts";
import { unmatchedIncludes } from "../metadata/selection.ts";
import type { MigrationPlan, PlanOptions } from "../metadata/types.ts";
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

/** Every source index name the plan saw, system ones aside. */
export function sourceIndexNames(plan: MigrationPlan): string[] {
  const { indices } = plan;
  return [
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

/** Refuses include patterns that match no index of the source (a typo must not "succeed"). */
export function checkSelectionMatches(plan: MigrationPlan, options: PlanOptions): void {
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

/** Selected indices that the plan leaves alone because they cannot be migrated. */
export function unmigratableIndices(plan: MigrationPlan): Unmigratable[] {
  const { conflicting, unsupported, unhealthy } = plan.indices;
  return [
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

function count(n: number, noun: string): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? noun : `${noun}s`}`;
}
